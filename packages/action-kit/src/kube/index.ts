/**
 * `@pipeline/action-kit/kube`: what more than one action needs about a
 * cluster without talking to it: the kubeconfig input (decoding, shape,
 * every secret in it to mask), the `namespace/name:port` Service reference,
 * and the rules that pick the Service in front of a deployment and the pod
 * and port a connection to it reaches. Pure; the API calls stay with each action.
 */
export {
  checkShape,
  contextNames,
  decodeKubeconfig,
  kubeconfigMasks,
  KubeconfigError,
  secretValues,
  type DecodedKubeconfig,
} from './kubeconfig.js';
export { formatServiceRef, parseServiceRef, SERVICE_REF_ACCEPTED, type ServiceRef } from './service-ref.js';
export {
  defaultPort,
  deployedWorkload,
  livePod,
  liveService,
  pickService,
  podPortOf,
  repositoryOf,
  resolveForward,
  servicePortOf,
  UnreachableServiceError,
  type DeployedResource,
  type ForwardTarget,
  type LivePod,
  type LiveService,
  type ServicePort,
} from './service-pick.js';
