export const id = 49;
export const ids = [49];
export const modules = {

/***/ 87049:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   openServiceForward: () => (/* binding */ openServiceForward)
/* harmony export */ });
/* harmony import */ var node_net__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(77030);
/* harmony import */ var node_net__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_net__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _pipeline_action_kit__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76866);
/* harmony import */ var _pipeline_action_kit_kube__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(41275);
/**
 * A Service reached through the API server: a listener on 127.0.0.1 (an
 * ephemeral port) whose every connection is port-forwarded to a ready pod
 * behind the Service, on the pod port the Service port targets. The checks
 * and the load phase then use http://127.0.0.1:<port> like any URL. When a
 * forward fails (the pod went away in a rollout), the pod is avoided and the
 * Service resolved again, so the next connection reaches another ready pod.
 * The cluster calls are behind ClusterApi (client-node in cluster-api.ts, a
 * fake in the unit tests); which pod and port is the kit's pure rule.
 */



/** Attempts per connection before it is dropped: the first pod, then another after resolving again. */
const ATTEMPTS = 2;
const portLabel = (target) => target.servicePort.name ? `${target.servicePort.port} (${target.servicePort.name})` : String(target.servicePort.port);
/** Resolves the Service to a ready pod and port (throws UnreachableServiceError), then listens on 127.0.0.1. */
async function openServiceForward(ref, api, log) {
    const resolve = async (avoid) => {
        const service = await api.readService(ref.namespace, ref.name);
        if (!service)
            throw new _pipeline_action_kit_kube__WEBPACK_IMPORTED_MODULE_2__/* .UnreachableServiceError */ .mH(`Service ${ref.name} does not exist in namespace ${ref.namespace}`);
        const pods = Object.keys(service.selector).length > 0 ? await api.listPods(ref.namespace, service.selector) : [];
        return (0,_pipeline_action_kit_kube__WEBPACK_IMPORTED_MODULE_2__/* .resolveForward */ .Kw)(ref, service, pods, avoid);
    };
    let current = await resolve(new Set());
    const avoid = new Set();
    let pending;
    const pods = [];
    let connections = 0;
    let failedForwards = 0;
    const open = new Set();
    const failed = (pod, problem) => {
        failedForwards++;
        log(`port-forward to pod ${pod} failed (${problem}); resolving ${(0,_pipeline_action_kit_kube__WEBPACK_IMPORTED_MODULE_2__/* .formatServiceRef */ .YS)(ref)} again`);
        avoid.add(pod);
        if (pending)
            return;
        const next = resolve(avoid).then((target) => {
            current = target;
            if (target.pod !== pod)
                log(`connections now go to pod ${target.pod}`);
            return target;
        }, (error) => {
            log(`no other pod to forward to: ${(0,_pipeline_action_kit__WEBPACK_IMPORTED_MODULE_1__/* .describeError */ .Uc)(error)}`);
            throw error;
        });
        pending = next;
        next.then(() => (pending = pending === next ? undefined : pending), () => (pending = pending === next ? undefined : pending));
    };
    const handle = async (socket) => {
        open.add(socket);
        socket.on('close', () => open.delete(socket));
        // A reset from the client is its own business; never an unhandled error.
        socket.on('error', () => undefined);
        for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
            let target;
            try {
                target = pending ? await pending : current;
            }
            catch {
                break;
            }
            try {
                await api.forward(ref.namespace, target.pod, target.podPort, socket, (problem) => failed(target.pod, problem));
                connections++;
                if (!pods.includes(target.pod))
                    pods.push(target.pod);
                return;
            }
            catch (error) {
                // Nothing was sent yet: the same connection may try the next pod.
                failed(target.pod, (0,_pipeline_action_kit__WEBPACK_IMPORTED_MODULE_1__/* .describeError */ .Uc)(error));
            }
        }
        socket.destroy();
    };
    const server = node_net__WEBPACK_IMPORTED_MODULE_0___default().createServer((socket) => void handle(socket));
    await new Promise((done, fail) => {
        server.once('error', fail);
        server.listen(0, '127.0.0.1', () => done());
    });
    const { port } = server.address();
    const url = new URL(`http://127.0.0.1:${port}/`);
    log(`Service ${(0,_pipeline_action_kit_kube__WEBPACK_IMPORTED_MODULE_2__/* .formatServiceRef */ .YS)(ref)}: port ${portLabel(current)} -> pod ${current.pod} port ${current.podPort}, reached at ${url.href} through the API server`);
    return {
        url,
        report: () => ({
            service: `${ref.namespace}/${ref.name}`,
            namespace: ref.namespace,
            port: portLabel(current),
            podPort: current.podPort,
            pods: pods.length > 0 ? [...pods] : [current.pod],
            connections,
            failedForwards,
            via: 'the API server (port-forward from this runner)',
        }),
        close: async () => {
            for (const socket of open)
                socket.destroy();
            await new Promise((done) => server.close(() => done()));
        },
    };
}


/***/ })

};
