export const id = 752;
export const ids = [752];
export const modules = {

/***/ 9752:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   runLoad: () => (/* binding */ runLoad)
/* harmony export */ });
/* harmony import */ var _checks_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1349);
/* harmony import */ var _evaluate_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4571);
/* harmony import */ var _stats_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(5077);
/* harmony import */ var _text_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9071);




async function runLoad(options) {
    if (options.targets.length === 0)
        throw new Error('the load phase needs at least one request to replay');
    if (options.durationMs === undefined && options.requests === undefined)
        throw new Error('the load phase needs a duration or a number of requests');
    const [{ Client }, hdr] = await Promise.all([__webpack_require__.e(/* import() */ 627).then(__webpack_require__.t.bind(__webpack_require__, 3627, 19)), __webpack_require__.e(/* import() */ 100).then(__webpack_require__.bind(__webpack_require__, 6100))]);
    const histogram = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
    // One undici Client (one keep-alive connection, one request at a time) per worker, like autocannon's connections.
    const clients = Array.from({ length: options.concurrency }, () => new Client(options.origin, {
        pipelining: 1,
        headersTimeout: options.requestTimeoutMs,
        bodyTimeout: options.requestTimeoutMs,
        connectTimeout: options.requestTimeoutMs,
    }));
    const prepared = options.targets.map((target) => ({
        target,
        dispatch: {
            origin: options.origin,
            path: target.path,
            method: target.method,
            headers: { ...target.headers },
            ...(target.body === undefined ? {} : { body: target.body }),
        },
    }));
    const errorKinds = {};
    const errorSamples = {};
    let errors = 0;
    let responses = 0;
    let next = 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const end = options.durationMs === undefined ? Infinity : started + options.durationMs;
    const limit = options.requests ?? Infinity;
    const interval = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;
    const record = (start) => {
        responses++;
        histogram.recordValue(Math.max(1, Math.round((performance.now() - start) * 1000)));
    };
    const fail = (kind) => {
        errors++;
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
    };
    /** One request in flight: undici calls these as the response arrives (no promise per request: the tester stays cheap). */
    class RequestHandler {
        worker;
        target;
        start;
        status = 0;
        chunks;
        constructor(worker, target, start) {
            this.worker = worker;
            this.target = target;
            this.start = start;
        }
        onRequestStart() { }
        onResponseStart(_controller, statusCode) {
            this.status = statusCode;
            if (this.target.graphqlNoErrors)
                this.chunks = [];
        }
        onResponseData(_controller, chunk) {
            this.chunks?.push(chunk);
        }
        onResponseEnd() {
            record(this.start);
            if (!(0,_checks_js__WEBPACK_IMPORTED_MODULE_0__/* .statusMatches */ .W_)(this.target.status, this.status))
                fail(`status ${this.status}`);
            else if (this.chunks && hasGraphqlErrors(Buffer.concat(this.chunks).toString('utf8')))
                fail('graphql errors');
            this.worker.next();
        }
        onResponseError(_controller, error) {
            const kind = errorKind(error);
            if (errorSamples[kind] === undefined)
                errorSamples[kind] = (0,_text_js__WEBPACK_IMPORTED_MODULE_3__/* .oneLine */ .TN)(error.message, 200);
            fail(kind);
            // Errors can be reported synchronously from dispatch: continue on the next turn, not recursively.
            setImmediate(() => this.worker.next());
        }
    }
    let active = options.concurrency;
    let finish = () => undefined;
    const done = new Promise((resolve) => (finish = resolve));
    /** One connection's loop: send the next request when the previous one is done (closed loop) or when it is due (fixed rate). */
    class Worker {
        client;
        constructor(client) {
            this.client = client;
        }
        next() {
            const index = next;
            if (index >= limit)
                return this.stop();
            if (interval > 0) {
                const due = started + index * interval;
                if (due >= end)
                    return this.stop();
                next++;
                const wait = due - performance.now();
                if (wait >= 1) {
                    setTimeout(() => this.send(index, due), wait);
                    return;
                }
                // Late (the schedule is behind): measure from the due time, so the wait counts.
                // Less than a timer tick early: send now and measure from now.
                this.send(index, Math.min(due, performance.now()));
            }
            else {
                const now = performance.now();
                if (now >= end)
                    return this.stop();
                next++;
                this.send(index, now);
            }
        }
        send(index, start) {
            const { target, dispatch } = prepared[index % prepared.length];
            this.client.dispatch(dispatch, new RequestHandler(this, target, start));
        }
        stop() {
            if (--active === 0)
                finish();
        }
    }
    try {
        for (const client of clients)
            new Worker(client).next();
        await done;
    }
    finally {
        await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    }
    const durationMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const requests = next;
    const latency = histogram.totalCount === 0
        ? undefined
        : {
            count: histogram.totalCount,
            minMs: (0,_stats_js__WEBPACK_IMPORTED_MODULE_2__/* .round */ .LI)(histogram.minNonZeroValue / 1000),
            meanMs: (0,_stats_js__WEBPACK_IMPORTED_MODULE_2__/* .round */ .LI)(histogram.mean / 1000),
            p50Ms: (0,_stats_js__WEBPACK_IMPORTED_MODULE_2__/* .round */ .LI)(histogram.getValueAtPercentile(50) / 1000),
            p75Ms: (0,_stats_js__WEBPACK_IMPORTED_MODULE_2__/* .round */ .LI)(histogram.getValueAtPercentile(75) / 1000),
            p90Ms: (0,_stats_js__WEBPACK_IMPORTED_MODULE_2__/* .round */ .LI)(histogram.getValueAtPercentile(90) / 1000),
            p95Ms: (0,_stats_js__WEBPACK_IMPORTED_MODULE_2__/* .round */ .LI)(histogram.getValueAtPercentile(95) / 1000),
            p99Ms: (0,_stats_js__WEBPACK_IMPORTED_MODULE_2__/* .round */ .LI)(histogram.getValueAtPercentile(99) / 1000),
            p999Ms: (0,_stats_js__WEBPACK_IMPORTED_MODULE_2__/* .round */ .LI)(histogram.getValueAtPercentile(99.9) / 1000),
            maxMs: (0,_stats_js__WEBPACK_IMPORTED_MODULE_2__/* .round */ .LI)(histogram.maxValue / 1000),
        };
    histogram.destroy();
    const result = {
        mode: interval > 0 ? 'fixed-rate' : 'closed-loop',
        concurrency: options.concurrency,
        requests,
        responses,
        errors,
        errorKinds,
        errorSamples,
        durationMs: (0,_stats_js__WEBPACK_IMPORTED_MODULE_2__/* .round */ .LI)(durationMs),
        requestsPerSecond: durationMs > 0 ? Math.round((requests / durationMs) * 1000 * 10) / 10 : 0,
        latency,
        testerCpuPercent: durationMs > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / durationMs) * 1000) / 10 : 0,
    };
    if (options.ratePerSecond)
        result.targetRatePerSecond = options.ratePerSecond;
    return result;
}
function hasGraphqlErrors(body) {
    if (!body.includes('"errors"'))
        return false;
    try {
        return (0,_evaluate_js__WEBPACK_IMPORTED_MODULE_1__/* .graphqlErrors */ .dM)(JSON.parse(body)).length > 0;
    }
    catch {
        return false;
    }
}
function errorKind(error) {
    const code = 'code' in error ? String(error.code) : '';
    if (/TIMEOUT/i.test(code) || error.name.includes('Timeout'))
        return 'timeout';
    return code || error.name || 'request error';
}


/***/ })

};
