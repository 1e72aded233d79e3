export const id = 169;
export const ids = [169];
export const modules = {

/***/ 32169:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   clientCluster: () => (/* binding */ clientCluster)
/* harmony export */ });
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(57075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _pipeline_action_kit__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76866);
/* harmony import */ var _pipeline_action_kit_kube__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(41275);
/**
 * ClusterApi on @kubernetes/client-node (its PortForward: a WebSocket to
 * pods/<pod>/portforward on the API server). Loaded with `await import()`
 * only when the `service` input is used, so that a url-only run does not
 * load some 18 MB of client.
 */



/** One line for an API error: its HTTP status and the server's message, never the client's dump of headers. */
function apiProblem(error) {
    if ((0,_pipeline_action_kit__WEBPACK_IMPORTED_MODULE_1__/* .isRecord */ .u4)(error) && typeof error['code'] === 'number') {
        const body = error['body'];
        let message = '';
        try {
            const parsed = typeof body === 'string' ? JSON.parse(body) : body;
            if ((0,_pipeline_action_kit__WEBPACK_IMPORTED_MODULE_1__/* .isRecord */ .u4)(parsed) && typeof parsed['message'] === 'string')
                message = parsed['message'];
        }
        catch {
            message = typeof body === 'string' ? body.slice(0, 200) : '';
        }
        return `HTTP ${error['code']}${message ? `: ${message}` : ''}`;
    }
    // A failed WebSocket handshake rejects with the ws ErrorEvent (a message, no Error).
    const message = (0,_pipeline_action_kit__WEBPACK_IMPORTED_MODULE_1__/* .isRecord */ .u4)(error) && typeof error['message'] === 'string' ? error['message'] : '';
    return message.split('\n')[0] || (error instanceof Error ? error.name : 'no answer');
}
async function clientCluster(kubeconfig) {
    const k8s = await __webpack_require__.e(/* import() */ 237).then(__webpack_require__.bind(__webpack_require__, 9237));
    const kc = new k8s.KubeConfig();
    kc.loadFromString(kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const portForward = new k8s.PortForward(kc, true);
    return {
        async readService(namespace, name) {
            try {
                return (0,_pipeline_action_kit_kube__WEBPACK_IMPORTED_MODULE_2__/* .liveService */ .MG)(await core.readNamespacedService({ name, namespace }));
            }
            catch (error) {
                if ((0,_pipeline_action_kit__WEBPACK_IMPORTED_MODULE_1__/* .isRecord */ .u4)(error) && error['code'] === 404)
                    return undefined;
                throw new _pipeline_action_kit__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .lZ(`Reading Service ${namespace}/${name} failed: ${apiProblem(error)}`);
            }
        },
        async listPods(namespace, selector) {
            const labelSelector = Object.entries(selector)
                .map(([k, v]) => `${k}=${v}`)
                .join(',');
            try {
                const list = await core.listNamespacedPod({ namespace, labelSelector });
                return list.items.map((pod) => (0,_pipeline_action_kit_kube__WEBPACK_IMPORTED_MODULE_2__/* .livePod */ .Cz)(pod));
            }
            catch (error) {
                throw new _pipeline_action_kit__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .lZ(`Listing the pods of ${namespace} (${labelSelector}) failed: ${apiProblem(error)}`);
            }
        },
        async forward(namespace, pod, port, socket, onError) {
            let reported = false;
            const errors = new node_stream__WEBPACK_IMPORTED_MODULE_0__.Writable({
                write(chunk, _encoding, done) {
                    // The first frame of the error channel is only its port number, which the client strips: an empty chunk.
                    if (chunk.length === 0)
                        return done();
                    if (!reported)
                        onError(chunk.toString('utf8').trim().slice(0, 300) || 'the forward reported an error');
                    reported = true;
                    socket.destroy();
                    done();
                },
            });
            let ws;
            try {
                ws = await portForward.portForward(namespace, pod, [port], socket, errors, socket);
            }
            catch (error) {
                throw new _pipeline_action_kit__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .lZ(`opening the port-forward failed: ${apiProblem(error)}`);
            }
            // Without retries (the default) it is the WebSocket itself.
            const tunnel = ws;
            tunnel.on('close', () => socket.end());
            tunnel.on('error', () => socket.destroy());
            // The local side is done: drop the tunnel at once (a close handshake could hold the step up to 30 s).
            socket.on('close', () => tunnel.terminate());
        },
    };
}


/***/ })

};
