/** Kubeconfig handling lives in the kit (smoke-test reads the same input); re-exported for this action's modules. */
export {
  checkShape,
  contextNames,
  decodeKubeconfig,
  KubeconfigError,
  secretValues,
  type DecodedKubeconfig,
} from '@pipeline/action-kit/kube';
