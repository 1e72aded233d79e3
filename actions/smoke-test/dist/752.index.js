export const id = 752;
export const ids = [752];
export const modules = {

/***/ 29752:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   runLoad: () => (/* binding */ runLoad)
/* harmony export */ });
/* harmony import */ var _pipeline_action_kit_checks__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(79630);
/* harmony import */ var _stats_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(95077);


/** What the workers of one phase share: the request counter, the schedule, and the counts and latencies so far. */
class Phase {
    prepared;
    histogram;
    next = 0;
    errors = 0;
    responses = 0;
    errorKinds = {};
    errorSamples = {};
    started = performance.now();
    end;
    limit;
    /** Milliseconds between request starts (fixed rate), 0 for closed loop. */
    interval;
    done;
    active;
    finish = () => undefined;
    constructor(options, prepared, histogram) {
        this.prepared = prepared;
        this.histogram = histogram;
        this.end = options.durationMs === undefined ? Infinity : this.started + options.durationMs;
        this.limit = options.requests ?? Infinity;
        this.interval = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;
        this.active = options.concurrency;
        this.done = new Promise((resolve) => (this.finish = resolve));
    }
    record(start) {
        this.responses++;
        this.histogram.recordValue(Math.max(1, Math.round((performance.now() - start) * 1000)));
    }
    fail(kind, message) {
        this.errors++;
        this.errorKinds[kind] = (this.errorKinds[kind] ?? 0) + 1;
        if (message !== undefined && this.errorSamples[kind] === undefined)
            this.errorSamples[kind] = (0,_pipeline_action_kit_checks__WEBPACK_IMPORTED_MODULE_0__/* .oneLine */ .TN)(message, 200);
    }
    /** A worker has nothing more to send; the phase is done when all have stopped. */
    stop() {
        if (--this.active === 0)
            this.finish();
    }
}
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
        const phase = this.worker.phase;
        phase.record(this.start);
        if (!(0,_pipeline_action_kit_checks__WEBPACK_IMPORTED_MODULE_0__/* .statusMatches */ .W_)(this.target.status, this.status))
            phase.fail(`status ${this.status}`);
        else if (this.chunks && hasGraphqlErrors(Buffer.concat(this.chunks).toString('utf8')))
            phase.fail('graphql errors');
        this.worker.next();
    }
    onResponseError(_controller, error) {
        this.worker.phase.fail(errorKind(error), error.message);
        // Errors can be reported synchronously from dispatch: continue on the next turn, not recursively.
        setImmediate(() => this.worker.next());
    }
}
/** One connection's loop: send the next request when the previous one is done (closed loop) or when it is due (fixed rate). */
class Worker {
    client;
    phase;
    constructor(client, phase) {
        this.client = client;
        this.phase = phase;
    }
    next() {
        const phase = this.phase;
        const index = phase.next;
        if (index >= phase.limit)
            return phase.stop();
        if (phase.interval > 0) {
            const due = phase.started + index * phase.interval;
            if (due >= phase.end)
                return phase.stop();
            phase.next++;
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
            if (now >= phase.end)
                return phase.stop();
            phase.next++;
            this.send(index, now);
        }
    }
    send(index, start) {
        const { target, dispatch } = this.phase.prepared[index % this.phase.prepared.length];
        this.client.dispatch(dispatch, new RequestHandler(this, target, start));
    }
}
async function runLoad(options) {
    if (options.targets.length === 0)
        throw new Error('the load phase needs at least one request to replay');
    if (options.durationMs === undefined && options.requests === undefined)
        throw new Error('the load phase needs a duration or a number of requests');
    const [{ Client: UndiciClient }, hdr] = await Promise.all([__webpack_require__.e(/* import() */ 627).then(__webpack_require__.t.bind(__webpack_require__, 43627, 19)), __webpack_require__.e(/* import() */ 100).then(__webpack_require__.bind(__webpack_require__, 6100))]);
    const histogram = hdr.build({
        bitBucketSize: 32,
        autoResize: true,
        lowestDiscernibleValue: 1,
        highestTrackableValue: 60_000_000,
        numberOfSignificantValueDigits: 3,
        useWebAssembly: false,
    });
    // One undici Client (one keep-alive connection, one request at a time) per worker, like autocannon's connections.
    const clients = Array.from({ length: options.concurrency }, () => new UndiciClient(options.origin, {
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
    const cpuBefore = process.cpuUsage();
    const phase = new Phase(options, prepared, histogram);
    try {
        for (const client of clients)
            new Worker(client, phase).next();
        await phase.done;
    }
    finally {
        await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    }
    const durationMs = performance.now() - phase.started;
    const cpu = process.cpuUsage(cpuBefore);
    const latency = latencyOf(histogram);
    histogram.destroy();
    const result = {
        mode: phase.interval > 0 ? 'fixed-rate' : 'closed-loop',
        concurrency: options.concurrency,
        requests: phase.next,
        responses: phase.responses,
        errors: phase.errors,
        errorKinds: phase.errorKinds,
        errorSamples: phase.errorSamples,
        durationMs: (0,_stats_js__WEBPACK_IMPORTED_MODULE_1__/* .round */ .LI)(durationMs),
        requestsPerSecond: durationMs > 0 ? Math.round((phase.next / durationMs) * 1000 * 10) / 10 : 0,
        latency,
        testerCpuPercent: durationMs > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / durationMs) * 1000) / 10 : 0,
    };
    if (options.ratePerSecond)
        result.targetRatePerSecond = options.ratePerSecond;
    return result;
}
/** The latency distribution in milliseconds (the histogram counts microseconds); undefined with no responses. */
function latencyOf(histogram) {
    if (histogram.totalCount === 0)
        return undefined;
    const ms = (us) => (0,_stats_js__WEBPACK_IMPORTED_MODULE_1__/* .round */ .LI)(us / 1000);
    return {
        count: histogram.totalCount,
        minMs: ms(histogram.minNonZeroValue),
        meanMs: ms(histogram.mean),
        p50Ms: ms(histogram.getValueAtPercentile(50)),
        p75Ms: ms(histogram.getValueAtPercentile(75)),
        p90Ms: ms(histogram.getValueAtPercentile(90)),
        p95Ms: ms(histogram.getValueAtPercentile(95)),
        p99Ms: ms(histogram.getValueAtPercentile(99)),
        p999Ms: ms(histogram.getValueAtPercentile(99.9)),
        maxMs: ms(histogram.maxValue),
    };
}
function hasGraphqlErrors(body) {
    if (!body.includes('"errors"'))
        return false;
    try {
        return (0,_pipeline_action_kit_checks__WEBPACK_IMPORTED_MODULE_0__/* .graphqlErrors */ .dM)(JSON.parse(body)).length > 0;
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
