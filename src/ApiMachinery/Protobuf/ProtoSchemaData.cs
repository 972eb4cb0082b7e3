// Kubernetes protobuf wire data: field numbers and JSON names of every message of the served
// group versions, taken from the generated.proto files and Go struct tags of k8s.io/api,
// k8s.io/apimachinery and k8s.io/apiextensions-apiserver v0.36.3 and k8s.io/kube-aggregator
// v0.35.6 (apiregistration). ProtoSchema.cs reads it; the format is described there.
namespace KubeNet.ApiMachinery.Protobuf;

internal static class ProtoSchemaData
{
    internal static ReadOnlySpan<byte> Text => """
k v1 Pod core.v1.Pod
k v1 PodList core.v1.PodList
k v1 PodStatusResult core.v1.PodStatusResult
k v1 PodTemplate core.v1.PodTemplate
k v1 PodTemplateList core.v1.PodTemplateList
k v1 ReplicationController core.v1.ReplicationController
k v1 ReplicationControllerList core.v1.ReplicationControllerList
k v1 Service core.v1.Service
k v1 ServiceProxyOptions core.v1.ServiceProxyOptions
k v1 ServiceList core.v1.ServiceList
k v1 Endpoints core.v1.Endpoints
k v1 EndpointsList core.v1.EndpointsList
k v1 Node core.v1.Node
k v1 NodeList core.v1.NodeList
k v1 NodeProxyOptions core.v1.NodeProxyOptions
k v1 Binding core.v1.Binding
k v1 Event core.v1.Event
k v1 EventList core.v1.EventList
k v1 List core.v1.List
k v1 LimitRange core.v1.LimitRange
k v1 LimitRangeList core.v1.LimitRangeList
k v1 ResourceQuota core.v1.ResourceQuota
k v1 ResourceQuotaList core.v1.ResourceQuotaList
k v1 Namespace core.v1.Namespace
k v1 NamespaceList core.v1.NamespaceList
k v1 Secret core.v1.Secret
k v1 SecretList core.v1.SecretList
k v1 ServiceAccount core.v1.ServiceAccount
k v1 ServiceAccountList core.v1.ServiceAccountList
k v1 PersistentVolume core.v1.PersistentVolume
k v1 PersistentVolumeList core.v1.PersistentVolumeList
k v1 PersistentVolumeClaim core.v1.PersistentVolumeClaim
k v1 PersistentVolumeClaimList core.v1.PersistentVolumeClaimList
k v1 PodAttachOptions core.v1.PodAttachOptions
k v1 PodLogOptions core.v1.PodLogOptions
k v1 PodExecOptions core.v1.PodExecOptions
k v1 PodPortForwardOptions core.v1.PodPortForwardOptions
k v1 PodProxyOptions core.v1.PodProxyOptions
k v1 ComponentStatus core.v1.ComponentStatus
k v1 ComponentStatusList core.v1.ComponentStatusList
k v1 SerializedReference core.v1.SerializedReference
k v1 RangeAllocation core.v1.RangeAllocation
k v1 ConfigMap core.v1.ConfigMap
k v1 ConfigMapList core.v1.ConfigMapList
k apps/v1 Deployment apps.v1.Deployment
k apps/v1 DeploymentList apps.v1.DeploymentList
k apps/v1 StatefulSet apps.v1.StatefulSet
k apps/v1 StatefulSetList apps.v1.StatefulSetList
k apps/v1 DaemonSet apps.v1.DaemonSet
k apps/v1 DaemonSetList apps.v1.DaemonSetList
k apps/v1 ReplicaSet apps.v1.ReplicaSet
k apps/v1 ReplicaSetList apps.v1.ReplicaSetList
k apps/v1 ControllerRevision apps.v1.ControllerRevision
k apps/v1 ControllerRevisionList apps.v1.ControllerRevisionList
k batch/v1 Job batch.v1.Job
k batch/v1 JobList batch.v1.JobList
k batch/v1 CronJob batch.v1.CronJob
k batch/v1 CronJobList batch.v1.CronJobList
k autoscaling/v1 HorizontalPodAutoscaler autoscaling.v1.HorizontalPodAutoscaler
k autoscaling/v1 HorizontalPodAutoscalerList autoscaling.v1.HorizontalPodAutoscalerList
k autoscaling/v1 Scale autoscaling.v1.Scale
k autoscaling/v2 HorizontalPodAutoscaler autoscaling.v2.HorizontalPodAutoscaler
k autoscaling/v2 HorizontalPodAutoscalerList autoscaling.v2.HorizontalPodAutoscalerList
k policy/v1 PodDisruptionBudget policy.v1.PodDisruptionBudget
k policy/v1 PodDisruptionBudgetList policy.v1.PodDisruptionBudgetList
k policy/v1 Eviction policy.v1.Eviction
k networking.k8s.io/v1 Ingress networking.v1.Ingress
k networking.k8s.io/v1 IngressList networking.v1.IngressList
k networking.k8s.io/v1 IngressClass networking.v1.IngressClass
k networking.k8s.io/v1 IngressClassList networking.v1.IngressClassList
k networking.k8s.io/v1 NetworkPolicy networking.v1.NetworkPolicy
k networking.k8s.io/v1 NetworkPolicyList networking.v1.NetworkPolicyList
k networking.k8s.io/v1 IPAddress networking.v1.IPAddress
k networking.k8s.io/v1 IPAddressList networking.v1.IPAddressList
k networking.k8s.io/v1 ServiceCIDR networking.v1.ServiceCIDR
k networking.k8s.io/v1 ServiceCIDRList networking.v1.ServiceCIDRList
k rbac.authorization.k8s.io/v1 Role rbac.v1.Role
k rbac.authorization.k8s.io/v1 RoleBinding rbac.v1.RoleBinding
k rbac.authorization.k8s.io/v1 RoleBindingList rbac.v1.RoleBindingList
k rbac.authorization.k8s.io/v1 RoleList rbac.v1.RoleList
k rbac.authorization.k8s.io/v1 ClusterRole rbac.v1.ClusterRole
k rbac.authorization.k8s.io/v1 ClusterRoleBinding rbac.v1.ClusterRoleBinding
k rbac.authorization.k8s.io/v1 ClusterRoleBindingList rbac.v1.ClusterRoleBindingList
k rbac.authorization.k8s.io/v1 ClusterRoleList rbac.v1.ClusterRoleList
k storage.k8s.io/v1 StorageClass storage.v1.StorageClass
k storage.k8s.io/v1 StorageClassList storage.v1.StorageClassList
k storage.k8s.io/v1 VolumeAttachment storage.v1.VolumeAttachment
k storage.k8s.io/v1 VolumeAttachmentList storage.v1.VolumeAttachmentList
k storage.k8s.io/v1 CSINode storage.v1.CSINode
k storage.k8s.io/v1 CSINodeList storage.v1.CSINodeList
k storage.k8s.io/v1 CSIDriver storage.v1.CSIDriver
k storage.k8s.io/v1 CSIDriverList storage.v1.CSIDriverList
k storage.k8s.io/v1 CSIStorageCapacity storage.v1.CSIStorageCapacity
k storage.k8s.io/v1 CSIStorageCapacityList storage.v1.CSIStorageCapacityList
k storage.k8s.io/v1 VolumeAttributesClass storage.v1.VolumeAttributesClass
k storage.k8s.io/v1 VolumeAttributesClassList storage.v1.VolumeAttributesClassList
k coordination.k8s.io/v1 Lease coordination.v1.Lease
k coordination.k8s.io/v1 LeaseList coordination.v1.LeaseList
k discovery.k8s.io/v1 EndpointSlice discovery.v1.EndpointSlice
k discovery.k8s.io/v1 EndpointSliceList discovery.v1.EndpointSliceList
k events.k8s.io/v1 Event events.v1.Event
k events.k8s.io/v1 EventList events.v1.EventList
k scheduling.k8s.io/v1 PriorityClass scheduling.v1.PriorityClass
k scheduling.k8s.io/v1 PriorityClassList scheduling.v1.PriorityClassList
k node.k8s.io/v1 RuntimeClass node.v1.RuntimeClass
k node.k8s.io/v1 RuntimeClassList node.v1.RuntimeClassList
k certificates.k8s.io/v1 CertificateSigningRequest certificates.v1.CertificateSigningRequest
k certificates.k8s.io/v1 CertificateSigningRequestList certificates.v1.CertificateSigningRequestList
k admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration admissionregistration.v1.ValidatingWebhookConfiguration
k admissionregistration.k8s.io/v1 ValidatingWebhookConfigurationList admissionregistration.v1.ValidatingWebhookConfigurationList
k admissionregistration.k8s.io/v1 MutatingWebhookConfiguration admissionregistration.v1.MutatingWebhookConfiguration
k admissionregistration.k8s.io/v1 MutatingWebhookConfigurationList admissionregistration.v1.MutatingWebhookConfigurationList
k admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy admissionregistration.v1.ValidatingAdmissionPolicy
k admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyList admissionregistration.v1.ValidatingAdmissionPolicyList
k admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding admissionregistration.v1.ValidatingAdmissionPolicyBinding
k admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBindingList admissionregistration.v1.ValidatingAdmissionPolicyBindingList
k admissionregistration.k8s.io/v1 MutatingAdmissionPolicy admissionregistration.v1.MutatingAdmissionPolicy
k admissionregistration.k8s.io/v1 MutatingAdmissionPolicyList admissionregistration.v1.MutatingAdmissionPolicyList
k admissionregistration.k8s.io/v1 MutatingAdmissionPolicyBinding admissionregistration.v1.MutatingAdmissionPolicyBinding
k admissionregistration.k8s.io/v1 MutatingAdmissionPolicyBindingList admissionregistration.v1.MutatingAdmissionPolicyBindingList
k flowcontrol.apiserver.k8s.io/v1 FlowSchema flowcontrol.v1.FlowSchema
k flowcontrol.apiserver.k8s.io/v1 FlowSchemaList flowcontrol.v1.FlowSchemaList
k flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration flowcontrol.v1.PriorityLevelConfiguration
k flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfigurationList flowcontrol.v1.PriorityLevelConfigurationList
k authentication.k8s.io/v1 TokenReview authentication.v1.TokenReview
k authentication.k8s.io/v1 TokenRequest authentication.v1.TokenRequest
k authentication.k8s.io/v1 SelfSubjectReview authentication.v1.SelfSubjectReview
k authorization.k8s.io/v1 SelfSubjectRulesReview authorization.v1.SelfSubjectRulesReview
k authorization.k8s.io/v1 SelfSubjectAccessReview authorization.v1.SelfSubjectAccessReview
k authorization.k8s.io/v1 SubjectAccessReview authorization.v1.SubjectAccessReview
k authorization.k8s.io/v1 LocalSubjectAccessReview authorization.v1.LocalSubjectAccessReview
k apiextensions.k8s.io/v1 CustomResourceDefinition apiextensions.v1.CustomResourceDefinition
k apiextensions.k8s.io/v1 CustomResourceDefinitionList apiextensions.v1.CustomResourceDefinitionList
k apiextensions.k8s.io/v1 ConversionReview apiextensions.v1.ConversionReview
k apiregistration.k8s.io/v1 APIService apiregistration.v1.APIService
k apiregistration.k8s.io/v1 APIServiceList apiregistration.v1.APIServiceList
k * Status meta.v1.Status
k meta.k8s.io/v1 Status meta.v1.Status
k * ListOptions meta.v1.ListOptions
k meta.k8s.io/v1 ListOptions meta.v1.ListOptions
k * GetOptions meta.v1.GetOptions
k meta.k8s.io/v1 GetOptions meta.v1.GetOptions
k * PatchOptions meta.v1.PatchOptions
k meta.k8s.io/v1 PatchOptions meta.v1.PatchOptions
k * UpdateOptions meta.v1.UpdateOptions
k meta.k8s.io/v1 UpdateOptions meta.v1.UpdateOptions
k * CreateOptions meta.v1.CreateOptions
k meta.k8s.io/v1 CreateOptions meta.v1.CreateOptions
k * DeleteOptions meta.v1.DeleteOptions
k meta.k8s.io/v1 DeleteOptions meta.v1.DeleteOptions
m core.v1.AWSElasticBlockStoreVolumeSource
1 volumeID string
2 fsType string o
3 partition int32 o
4 readOnly bool o
m core.v1.Affinity
1 nodeAffinity core.v1.NodeAffinity po
2 podAffinity core.v1.PodAffinity po
3 podAntiAffinity core.v1.PodAntiAffinity po
m core.v1.AppArmorProfile
1 type string
2 localhostProfile string po
m core.v1.AttachedVolume
1 name string
2 devicePath string
m core.v1.AvoidPods
1 preferAvoidPods []core.v1.PreferAvoidPodsEntry o
m core.v1.AzureDiskVolumeSource
1 diskName string
2 diskURI string
3 cachingMode string po
4 fsType string po
5 readOnly bool po
6 kind string po
m core.v1.AzureFilePersistentVolumeSource
1 secretName string
2 shareName string
3 readOnly bool o
4 secretNamespace string p
m core.v1.AzureFileVolumeSource
1 secretName string
2 shareName string
3 readOnly bool o
m core.v1.Binding
1 metadata meta.v1.ObjectMeta o
2 target core.v1.ObjectReference
m core.v1.CSIPersistentVolumeSource
1 driver string
2 volumeHandle string
3 readOnly bool o
4 fsType string o
5 volumeAttributes map<string,string> o
6 controllerPublishSecretRef core.v1.SecretReference po
7 nodeStageSecretRef core.v1.SecretReference po
8 nodePublishSecretRef core.v1.SecretReference po
9 controllerExpandSecretRef core.v1.SecretReference po
10 nodeExpandSecretRef core.v1.SecretReference po
m core.v1.CSIVolumeSource
1 driver string
2 readOnly bool po
3 fsType string po
4 volumeAttributes map<string,string> o
5 nodePublishSecretRef core.v1.LocalObjectReference po
m core.v1.Capabilities
1 add []string o
2 drop []string o
m core.v1.CephFSPersistentVolumeSource
1 monitors []string
2 path string o
3 user string o
4 secretFile string o
5 secretRef core.v1.SecretReference po
6 readOnly bool o
m core.v1.CephFSVolumeSource
1 monitors []string
2 path string o
3 user string o
4 secretFile string o
5 secretRef core.v1.LocalObjectReference po
6 readOnly bool o
m core.v1.CinderPersistentVolumeSource
1 volumeID string
2 fsType string o
3 readOnly bool o
4 secretRef core.v1.SecretReference po
m core.v1.CinderVolumeSource
1 volumeID string
2 fsType string o
3 readOnly bool o
4 secretRef core.v1.LocalObjectReference po
m core.v1.ClientIPConfig
1 timeoutSeconds int32 po
m core.v1.ClusterTrustBundleProjection
1 name string po
2 signerName string po
3 labelSelector meta.v1.LabelSelector po
5 optional bool po
4 path string
m core.v1.ComponentCondition
1 type string
2 status string
3 message string o
4 error string o
m core.v1.ComponentStatus
1 metadata meta.v1.ObjectMeta o
2 conditions []core.v1.ComponentCondition o
m core.v1.ComponentStatusList
1 metadata meta.v1.ListMeta o
2 items []core.v1.ComponentStatus
m core.v1.ConfigMap
1 metadata meta.v1.ObjectMeta o
4 immutable bool po
2 data map<string,string> o
3 binaryData map<string,bytes> o
m core.v1.ConfigMapEnvSource
1 localObjectReference core.v1.LocalObjectReference i
2 optional bool po
m core.v1.ConfigMapKeySelector
1 localObjectReference core.v1.LocalObjectReference i
2 key string
3 optional bool po
m core.v1.ConfigMapList
1 metadata meta.v1.ListMeta o
2 items []core.v1.ConfigMap
m core.v1.ConfigMapNodeConfigSource
1 namespace string
2 name string
3 uid string o
4 resourceVersion string o
5 kubeletConfigKey string
m core.v1.ConfigMapProjection
1 localObjectReference core.v1.LocalObjectReference i
2 items []core.v1.KeyToPath o
4 optional bool po
m core.v1.ConfigMapVolumeSource
1 localObjectReference core.v1.LocalObjectReference i
2 items []core.v1.KeyToPath o
3 defaultMode int32 po
4 optional bool po
m core.v1.Container
1 name string
2 image string o
3 command []string o
4 args []string o
5 workingDir string o
6 ports []core.v1.ContainerPort o
19 envFrom []core.v1.EnvFromSource o
7 env []core.v1.EnvVar o
8 resources core.v1.ResourceRequirements o
23 resizePolicy []core.v1.ContainerResizePolicy o
24 restartPolicy string po
25 restartPolicyRules []core.v1.ContainerRestartRule o
9 volumeMounts []core.v1.VolumeMount o
21 volumeDevices []core.v1.VolumeDevice o
10 livenessProbe core.v1.Probe po
11 readinessProbe core.v1.Probe po
22 startupProbe core.v1.Probe po
12 lifecycle core.v1.Lifecycle po
13 terminationMessagePath string o
20 terminationMessagePolicy string o
14 imagePullPolicy string o
15 securityContext core.v1.SecurityContext po
16 stdin bool o
17 stdinOnce bool o
18 tty bool o
m core.v1.ContainerExtendedResourceRequest
1 containerName string
2 resourceName string
3 requestName string
m core.v1.ContainerImage
1 names []string
2 sizeBytes int64 o
m core.v1.ContainerPort
1 name string o
2 hostPort int32 o
3 containerPort int32
4 protocol string o
5 hostIP string o
m core.v1.ContainerResizePolicy
1 resourceName string
2 restartPolicy string
m core.v1.ContainerRestartRule
1 action string o
2 exitCodes core.v1.ContainerRestartRuleOnExitCodes po
m core.v1.ContainerRestartRuleOnExitCodes
1 operator string o
2 values []int32 o
m core.v1.ContainerState
1 waiting core.v1.ContainerStateWaiting po
2 running core.v1.ContainerStateRunning po
3 terminated core.v1.ContainerStateTerminated po
m core.v1.ContainerStateRunning
1 startedAt meta.v1.Time o
m core.v1.ContainerStateTerminated
1 exitCode int32
2 signal int32 o
3 reason string o
4 message string o
5 startedAt meta.v1.Time o
6 finishedAt meta.v1.Time o
7 containerID string o
m core.v1.ContainerStateWaiting
1 reason string o
2 message string o
m core.v1.ContainerStatus
1 name string
2 state core.v1.ContainerState o
3 lastState core.v1.ContainerState o
4 ready bool
5 restartCount int32
6 image string
7 imageID string
8 containerID string o
9 started bool po
10 allocatedResources map<string,resource.Quantity> o
11 resources core.v1.ResourceRequirements po
12 volumeMounts []core.v1.VolumeMountStatus o
13 user core.v1.ContainerUser po
14 allocatedResourcesStatus []core.v1.ResourceStatus o
15 stopSignal string po
m core.v1.ContainerUser
1 linux core.v1.LinuxContainerUser po
m core.v1.DaemonEndpoint
1 Port int32
m core.v1.DownwardAPIProjection
1 items []core.v1.DownwardAPIVolumeFile o
m core.v1.DownwardAPIVolumeFile
1 path string
2 fieldRef core.v1.ObjectFieldSelector po
3 resourceFieldRef core.v1.ResourceFieldSelector po
4 mode int32 po
m core.v1.DownwardAPIVolumeSource
1 items []core.v1.DownwardAPIVolumeFile o
2 defaultMode int32 po
m core.v1.EmptyDirVolumeSource
1 medium string o
2 sizeLimit resource.Quantity po
m core.v1.EndpointAddress
1 ip string
3 hostname string o
4 nodeName string po
2 targetRef core.v1.ObjectReference po
m core.v1.EndpointPort
1 name string o
2 port int32
3 protocol string o
4 appProtocol string po
m core.v1.EndpointSubset
1 addresses []core.v1.EndpointAddress o
2 notReadyAddresses []core.v1.EndpointAddress o
3 ports []core.v1.EndpointPort o
m core.v1.Endpoints
1 metadata meta.v1.ObjectMeta o
2 subsets []core.v1.EndpointSubset o
m core.v1.EndpointsList
1 metadata meta.v1.ListMeta o
2 items []core.v1.Endpoints
m core.v1.EnvFromSource
1 prefix string o
2 configMapRef core.v1.ConfigMapEnvSource po
3 secretRef core.v1.SecretEnvSource po
m core.v1.EnvVar
1 name string
2 value string o
3 valueFrom core.v1.EnvVarSource po
m core.v1.EnvVarSource
1 fieldRef core.v1.ObjectFieldSelector po
2 resourceFieldRef core.v1.ResourceFieldSelector po
3 configMapKeyRef core.v1.ConfigMapKeySelector po
4 secretKeyRef core.v1.SecretKeySelector po
5 fileKeyRef core.v1.FileKeySelector po
m core.v1.EphemeralContainer
1 ephemeralContainerCommon core.v1.EphemeralContainerCommon i
2 targetContainerName string o
m core.v1.EphemeralContainerCommon
1 name string
2 image string o
3 command []string o
4 args []string o
5 workingDir string o
6 ports []core.v1.ContainerPort o
19 envFrom []core.v1.EnvFromSource o
7 env []core.v1.EnvVar o
8 resources core.v1.ResourceRequirements o
23 resizePolicy []core.v1.ContainerResizePolicy o
24 restartPolicy string po
25 restartPolicyRules []core.v1.ContainerRestartRule o
9 volumeMounts []core.v1.VolumeMount o
21 volumeDevices []core.v1.VolumeDevice o
10 livenessProbe core.v1.Probe po
11 readinessProbe core.v1.Probe po
22 startupProbe core.v1.Probe po
12 lifecycle core.v1.Lifecycle po
13 terminationMessagePath string o
20 terminationMessagePolicy string o
14 imagePullPolicy string o
15 securityContext core.v1.SecurityContext po
16 stdin bool o
17 stdinOnce bool o
18 tty bool o
m core.v1.EphemeralVolumeSource
1 volumeClaimTemplate core.v1.PersistentVolumeClaimTemplate po
m core.v1.Event
1 metadata meta.v1.ObjectMeta
2 involvedObject core.v1.ObjectReference
3 reason string o
4 message string o
5 source core.v1.EventSource o
6 firstTimestamp meta.v1.Time o
7 lastTimestamp meta.v1.Time o
8 count int32 o
9 type string o
10 eventTime meta.v1.MicroTime o
11 series core.v1.EventSeries po
12 action string o
13 related core.v1.ObjectReference po
14 reportingComponent string
15 reportingInstance string
m core.v1.EventList
1 metadata meta.v1.ListMeta o
2 items []core.v1.Event
m core.v1.EventSeries
1 count int32 o
2 lastObservedTime meta.v1.MicroTime o
m core.v1.EventSource
1 component string o
2 host string o
m core.v1.ExecAction
1 command []string o
m core.v1.FCVolumeSource
1 targetWWNs []string o
2 lun int32 po
3 fsType string o
4 readOnly bool o
5 wwids []string o
m core.v1.FileKeySelector
1 volumeName string
2 path string
3 key string
4 optional bool po
m core.v1.FlexPersistentVolumeSource
1 driver string
2 fsType string o
3 secretRef core.v1.SecretReference po
4 readOnly bool o
5 options map<string,string> o
m core.v1.FlexVolumeSource
1 driver string
2 fsType string o
3 secretRef core.v1.LocalObjectReference po
4 readOnly bool o
5 options map<string,string> o
m core.v1.FlockerVolumeSource
1 datasetName string o
2 datasetUUID string o
m core.v1.GCEPersistentDiskVolumeSource
1 pdName string
2 fsType string o
3 partition int32 o
4 readOnly bool o
m core.v1.GRPCAction
1 port int32
2 service string p
m core.v1.GitRepoVolumeSource
1 repository string
2 revision string o
3 directory string o
m core.v1.GlusterfsPersistentVolumeSource
1 endpoints string
2 path string
3 readOnly bool o
4 endpointsNamespace string po
m core.v1.GlusterfsVolumeSource
1 endpoints string
2 path string
3 readOnly bool o
m core.v1.HTTPGetAction
1 path string o
2 port intstr.IntOrString
3 host string o
4 scheme string o
5 httpHeaders []core.v1.HTTPHeader o
m core.v1.HTTPHeader
1 name string
2 value string
m core.v1.HostAlias
1 ip string
2 hostnames []string o
m core.v1.HostIP
1 ip string
m core.v1.HostPathVolumeSource
1 path string
2 type string po
m core.v1.ISCSIPersistentVolumeSource
1 targetPortal string
2 iqn string
3 lun int32
4 iscsiInterface string o
5 fsType string o
6 readOnly bool o
7 portals []string o
8 chapAuthDiscovery bool o
11 chapAuthSession bool o
10 secretRef core.v1.SecretReference po
12 initiatorName string po
m core.v1.ISCSIVolumeSource
1 targetPortal string
2 iqn string
3 lun int32
4 iscsiInterface string o
5 fsType string o
6 readOnly bool o
7 portals []string o
8 chapAuthDiscovery bool o
11 chapAuthSession bool o
10 secretRef core.v1.LocalObjectReference po
12 initiatorName string po
m core.v1.ImageVolumeSource
1 reference string o
2 pullPolicy string o
m core.v1.ImageVolumeStatus
1 imageRef string o
m core.v1.KeyToPath
1 key string
2 path string
3 mode int32 po
m core.v1.Lifecycle
1 postStart core.v1.LifecycleHandler po
2 preStop core.v1.LifecycleHandler po
3 stopSignal string po
m core.v1.LifecycleHandler
1 exec core.v1.ExecAction po
2 httpGet core.v1.HTTPGetAction po
3 tcpSocket core.v1.TCPSocketAction po
4 sleep core.v1.SleepAction po
m core.v1.LimitRange
1 metadata meta.v1.ObjectMeta o
2 spec core.v1.LimitRangeSpec o
m core.v1.LimitRangeItem
1 type string
2 max map<string,resource.Quantity> o
3 min map<string,resource.Quantity> o
4 default map<string,resource.Quantity> o
5 defaultRequest map<string,resource.Quantity> o
6 maxLimitRequestRatio map<string,resource.Quantity> o
m core.v1.LimitRangeList
1 metadata meta.v1.ListMeta o
2 items []core.v1.LimitRange
m core.v1.LimitRangeSpec
1 limits []core.v1.LimitRangeItem
m core.v1.LinuxContainerUser
1 uid int64
2 gid int64
3 supplementalGroups []int64 o
m core.v1.List
1 metadata meta.v1.ListMeta
2 items []runtime.RawExtension
m core.v1.LoadBalancerIngress
1 ip string o
2 hostname string o
3 ipMode string po
4 ports []core.v1.PortStatus o
m core.v1.LoadBalancerStatus
1 ingress []core.v1.LoadBalancerIngress o
m core.v1.LocalObjectReference
1 name string o
m core.v1.LocalVolumeSource
1 path string
2 fsType string po
m core.v1.ModifyVolumeStatus
1 targetVolumeAttributesClassName string o
2 status string
m core.v1.NFSVolumeSource
1 server string
2 path string
3 readOnly bool o
m core.v1.Namespace
1 metadata meta.v1.ObjectMeta o
2 spec core.v1.NamespaceSpec o
3 status core.v1.NamespaceStatus o
m core.v1.NamespaceCondition
1 type string
2 status string
4 lastTransitionTime meta.v1.Time o
5 reason string o
6 message string o
m core.v1.NamespaceList
1 metadata meta.v1.ListMeta o
2 items []core.v1.Namespace
m core.v1.NamespaceSpec
1 finalizers []string o
m core.v1.NamespaceStatus
1 phase string o
2 conditions []core.v1.NamespaceCondition o
m core.v1.Node
1 metadata meta.v1.ObjectMeta o
2 spec core.v1.NodeSpec o
3 status core.v1.NodeStatus o
m core.v1.NodeAddress
1 type string
2 address string
m core.v1.NodeAffinity
1 requiredDuringSchedulingIgnoredDuringExecution core.v1.NodeSelector po
2 preferredDuringSchedulingIgnoredDuringExecution []core.v1.PreferredSchedulingTerm o
m core.v1.NodeAllocatableResourceClaimStatus
1 resourceClaimName string
2 containers []string o
3 resources map<string,resource.Quantity>
m core.v1.NodeCondition
1 type string
2 status string
3 lastHeartbeatTime meta.v1.Time o
4 lastTransitionTime meta.v1.Time o
5 reason string o
6 message string o
m core.v1.NodeConfigSource
2 configMap core.v1.ConfigMapNodeConfigSource po
m core.v1.NodeConfigStatus
1 assigned core.v1.NodeConfigSource po
2 active core.v1.NodeConfigSource po
3 lastKnownGood core.v1.NodeConfigSource po
4 error string o
m core.v1.NodeDaemonEndpoints
1 kubeletEndpoint core.v1.DaemonEndpoint o
m core.v1.NodeFeatures
1 supplementalGroupsPolicy bool po
m core.v1.NodeList
1 metadata meta.v1.ListMeta o
2 items []core.v1.Node
m core.v1.NodeProxyOptions
1 path string o
m core.v1.NodeRuntimeHandler
1 name string
2 features core.v1.NodeRuntimeHandlerFeatures po
m core.v1.NodeRuntimeHandlerFeatures
1 recursiveReadOnlyMounts bool po
2 userNamespaces bool po
m core.v1.NodeSelector
1 nodeSelectorTerms []core.v1.NodeSelectorTerm
m core.v1.NodeSelectorRequirement
1 key string
2 operator string
3 values []string o
m core.v1.NodeSelectorTerm
1 matchExpressions []core.v1.NodeSelectorRequirement o
2 matchFields []core.v1.NodeSelectorRequirement o
m core.v1.NodeSpec
1 podCIDR string o
7 podCIDRs []string o
3 providerID string o
4 unschedulable bool o
5 taints []core.v1.Taint o
6 configSource core.v1.NodeConfigSource po
2 externalID string o
m core.v1.NodeStatus
1 capacity map<string,resource.Quantity> o
2 allocatable map<string,resource.Quantity> o
3 phase string o
4 conditions []core.v1.NodeCondition o
5 addresses []core.v1.NodeAddress o
6 daemonEndpoints core.v1.NodeDaemonEndpoints o
7 nodeInfo core.v1.NodeSystemInfo o
8 images []core.v1.ContainerImage o
9 volumesInUse []string o
10 volumesAttached []core.v1.AttachedVolume o
11 config core.v1.NodeConfigStatus po
12 runtimeHandlers []core.v1.NodeRuntimeHandler o
13 features core.v1.NodeFeatures po
14 declaredFeatures []string o
m core.v1.NodeSwapStatus
1 capacity int64 po
m core.v1.NodeSystemInfo
1 machineID string
2 systemUUID string
3 bootID string
4 kernelVersion string
5 osImage string
6 containerRuntimeVersion string
7 kubeletVersion string
8 kubeProxyVersion string
9 operatingSystem string
10 architecture string
11 swap core.v1.NodeSwapStatus po
m core.v1.ObjectFieldSelector
1 apiVersion string o
2 fieldPath string
m core.v1.ObjectReference
1 kind string o
2 namespace string o
3 name string o
4 uid string o
5 apiVersion string o
6 resourceVersion string o
7 fieldPath string o
m core.v1.PersistentVolume
1 metadata meta.v1.ObjectMeta o
2 spec core.v1.PersistentVolumeSpec o
3 status core.v1.PersistentVolumeStatus o
m core.v1.PersistentVolumeClaim
1 metadata meta.v1.ObjectMeta o
2 spec core.v1.PersistentVolumeClaimSpec o
3 status core.v1.PersistentVolumeClaimStatus o
m core.v1.PersistentVolumeClaimCondition
1 type string
2 status string
3 lastProbeTime meta.v1.Time o
4 lastTransitionTime meta.v1.Time o
5 reason string o
6 message string o
m core.v1.PersistentVolumeClaimList
1 metadata meta.v1.ListMeta o
2 items []core.v1.PersistentVolumeClaim
m core.v1.PersistentVolumeClaimSpec
1 accessModes []string o
4 selector meta.v1.LabelSelector po
2 resources core.v1.VolumeResourceRequirements o
3 volumeName string o
5 storageClassName string po
6 volumeMode string po
7 dataSource core.v1.TypedLocalObjectReference po
8 dataSourceRef core.v1.TypedObjectReference po
9 volumeAttributesClassName string po
m core.v1.PersistentVolumeClaimStatus
1 phase string o
2 accessModes []string o
3 capacity map<string,resource.Quantity> o
4 conditions []core.v1.PersistentVolumeClaimCondition o
5 allocatedResources map<string,resource.Quantity> o
7 allocatedResourceStatuses map<string,string> o
8 currentVolumeAttributesClassName string po
9 modifyVolumeStatus core.v1.ModifyVolumeStatus po
m core.v1.PersistentVolumeClaimTemplate
1 metadata meta.v1.ObjectMeta o
2 spec core.v1.PersistentVolumeClaimSpec
m core.v1.PersistentVolumeClaimVolumeSource
1 claimName string
2 readOnly bool o
m core.v1.PersistentVolumeList
1 metadata meta.v1.ListMeta o
2 items []core.v1.PersistentVolume
m core.v1.PersistentVolumeSource
1 gcePersistentDisk core.v1.GCEPersistentDiskVolumeSource po
2 awsElasticBlockStore core.v1.AWSElasticBlockStoreVolumeSource po
3 hostPath core.v1.HostPathVolumeSource po
4 glusterfs core.v1.GlusterfsPersistentVolumeSource po
5 nfs core.v1.NFSVolumeSource po
6 rbd core.v1.RBDPersistentVolumeSource po
7 iscsi core.v1.ISCSIPersistentVolumeSource po
8 cinder core.v1.CinderPersistentVolumeSource po
9 cephfs core.v1.CephFSPersistentVolumeSource po
10 fc core.v1.FCVolumeSource po
11 flocker core.v1.FlockerVolumeSource po
12 flexVolume core.v1.FlexPersistentVolumeSource po
13 azureFile core.v1.AzureFilePersistentVolumeSource po
14 vsphereVolume core.v1.VsphereVirtualDiskVolumeSource po
15 quobyte core.v1.QuobyteVolumeSource po
16 azureDisk core.v1.AzureDiskVolumeSource po
17 photonPersistentDisk core.v1.PhotonPersistentDiskVolumeSource po
18 portworxVolume core.v1.PortworxVolumeSource po
19 scaleIO core.v1.ScaleIOPersistentVolumeSource po
20 local core.v1.LocalVolumeSource po
21 storageos core.v1.StorageOSPersistentVolumeSource po
22 csi core.v1.CSIPersistentVolumeSource po
m core.v1.PersistentVolumeSpec
1 capacity map<string,resource.Quantity> o
2 persistentVolumeSource core.v1.PersistentVolumeSource i
3 accessModes []string o
4 claimRef core.v1.ObjectReference po
5 persistentVolumeReclaimPolicy string o
6 storageClassName string o
7 mountOptions []string o
8 volumeMode string po
9 nodeAffinity core.v1.VolumeNodeAffinity po
10 volumeAttributesClassName string po
m core.v1.PersistentVolumeStatus
1 phase string o
2 message string o
3 reason string o
4 lastPhaseTransitionTime meta.v1.Time po
m core.v1.PhotonPersistentDiskVolumeSource
1 pdID string
2 fsType string o
m core.v1.Pod
1 metadata meta.v1.ObjectMeta o
2 spec core.v1.PodSpec o
3 status core.v1.PodStatus o
m core.v1.PodAffinity
1 requiredDuringSchedulingIgnoredDuringExecution []core.v1.PodAffinityTerm o
2 preferredDuringSchedulingIgnoredDuringExecution []core.v1.WeightedPodAffinityTerm o
m core.v1.PodAffinityTerm
1 labelSelector meta.v1.LabelSelector po
2 namespaces []string o
3 topologyKey string
4 namespaceSelector meta.v1.LabelSelector po
5 matchLabelKeys []string o
6 mismatchLabelKeys []string o
m core.v1.PodAntiAffinity
1 requiredDuringSchedulingIgnoredDuringExecution []core.v1.PodAffinityTerm o
2 preferredDuringSchedulingIgnoredDuringExecution []core.v1.WeightedPodAffinityTerm o
m core.v1.PodAttachOptions
1 stdin bool o
2 stdout bool o
3 stderr bool o
4 tty bool o
5 container string o
m core.v1.PodCertificateProjection
1 signerName string o
2 keyType string o
3 maxExpirationSeconds int32 po
4 credentialBundlePath string o
5 keyPath string o
6 certificateChainPath string o
7 userAnnotations map<string,string> o
m core.v1.PodCondition
1 type string
7 observedGeneration int64 o
2 status string
3 lastProbeTime meta.v1.Time o
4 lastTransitionTime meta.v1.Time o
5 reason string o
6 message string o
m core.v1.PodDNSConfig
1 nameservers []string o
2 searches []string o
3 options []core.v1.PodDNSConfigOption o
m core.v1.PodDNSConfigOption
1 name string o
2 value string po
m core.v1.PodExecOptions
1 stdin bool o
2 stdout bool o
3 stderr bool o
4 tty bool o
5 container string o
6 command []string
m core.v1.PodExtendedResourceClaimStatus
1 requestMappings []core.v1.ContainerExtendedResourceRequest
2 resourceClaimName string
m core.v1.PodIP
1 ip string
m core.v1.PodList
1 metadata meta.v1.ListMeta o
2 items []core.v1.Pod
m core.v1.PodLogOptions
1 container string o
2 follow bool o
3 previous bool o
4 sinceSeconds int64 po
5 sinceTime meta.v1.Time po
6 timestamps bool o
7 tailLines int64 po
8 limitBytes int64 po
9 insecureSkipTLSVerifyBackend bool o
10 stream string po
m core.v1.PodOS
1 name string
m core.v1.PodPortForwardOptions
1 ports []int32 o
m core.v1.PodProxyOptions
1 path string o
m core.v1.PodReadinessGate
1 conditionType string
m core.v1.PodResourceClaim
1 name string
3 resourceClaimName string po
4 resourceClaimTemplateName string po
m core.v1.PodResourceClaimStatus
1 name string
2 resourceClaimName string po
m core.v1.PodSchedulingGate
1 name string
m core.v1.PodSchedulingGroup
1 podGroupName string po
m core.v1.PodSecurityContext
1 seLinuxOptions core.v1.SELinuxOptions po
8 windowsOptions core.v1.WindowsSecurityContextOptions po
2 runAsUser int64 po
6 runAsGroup int64 po
3 runAsNonRoot bool po
4 supplementalGroups []int64 o
12 supplementalGroupsPolicy string po
5 fsGroup int64 po
7 sysctls []core.v1.Sysctl o
9 fsGroupChangePolicy string po
10 seccompProfile core.v1.SeccompProfile po
11 appArmorProfile core.v1.AppArmorProfile po
13 seLinuxChangePolicy string po
m core.v1.PodSignature
1 podController meta.v1.OwnerReference po
m core.v1.PodSpec
1 volumes []core.v1.Volume o
20 initContainers []core.v1.Container o
2 containers []core.v1.Container
34 ephemeralContainers []core.v1.EphemeralContainer o
3 restartPolicy string o
4 terminationGracePeriodSeconds int64 po
5 activeDeadlineSeconds int64 po
6 dnsPolicy string o
7 nodeSelector map<string,string> o
8 serviceAccountName string o
9 serviceAccount string o
21 automountServiceAccountToken bool po
10 nodeName string o
11 hostNetwork bool o
12 hostPID bool o
13 hostIPC bool o
27 shareProcessNamespace bool po
14 securityContext core.v1.PodSecurityContext po
15 imagePullSecrets []core.v1.LocalObjectReference o
16 hostname string o
17 subdomain string o
18 affinity core.v1.Affinity po
19 schedulerName string o
22 tolerations []core.v1.Toleration o
23 hostAliases []core.v1.HostAlias o
24 priorityClassName string o
25 priority int32 po
26 dnsConfig core.v1.PodDNSConfig po
28 readinessGates []core.v1.PodReadinessGate o
29 runtimeClassName string po
30 enableServiceLinks bool po
31 preemptionPolicy string po
32 overhead map<string,resource.Quantity> o
33 topologySpreadConstraints []core.v1.TopologySpreadConstraint o
35 setHostnameAsFQDN bool po
36 os core.v1.PodOS po
37 hostUsers bool po
38 schedulingGates []core.v1.PodSchedulingGate o
39 resourceClaims []core.v1.PodResourceClaim o
40 resources core.v1.ResourceRequirements po
41 hostnameOverride string po
43 schedulingGroup core.v1.PodSchedulingGroup po
m core.v1.PodStatus
17 observedGeneration int64 o
1 phase string o
2 conditions []core.v1.PodCondition o
3 message string o
4 reason string o
11 nominatedNodeName string o
5 hostIP string o
16 hostIPs []core.v1.HostIP o
6 podIP string o
12 podIPs []core.v1.PodIP o
7 startTime meta.v1.Time po
10 initContainerStatuses []core.v1.ContainerStatus o
8 containerStatuses []core.v1.ContainerStatus o
9 qosClass string o
13 ephemeralContainerStatuses []core.v1.ContainerStatus o
14 resize string o
15 resourceClaimStatuses []core.v1.PodResourceClaimStatus o
18 extendedResourceClaimStatus core.v1.PodExtendedResourceClaimStatus po
19 allocatedResources map<string,resource.Quantity> o
20 resources core.v1.ResourceRequirements po
21 nodeAllocatableResourceClaimStatuses []core.v1.NodeAllocatableResourceClaimStatus o
m core.v1.PodStatusResult
1 metadata meta.v1.ObjectMeta o
2 status core.v1.PodStatus o
m core.v1.PodTemplate
1 metadata meta.v1.ObjectMeta o
2 template core.v1.PodTemplateSpec o
m core.v1.PodTemplateList
1 metadata meta.v1.ListMeta o
2 items []core.v1.PodTemplate
m core.v1.PodTemplateSpec
1 metadata meta.v1.ObjectMeta o
2 spec core.v1.PodSpec o
m core.v1.PortStatus
1 port int32
2 protocol string
3 error string po
m core.v1.PortworxVolumeSource
1 volumeID string
2 fsType string o
3 readOnly bool o
m core.v1.Preconditions
1 uid string po
m core.v1.PreferAvoidPodsEntry
1 podSignature core.v1.PodSignature
2 evictionTime meta.v1.Time o
3 reason string o
4 message string o
m core.v1.PreferredSchedulingTerm
1 weight int32
2 preference core.v1.NodeSelectorTerm
m core.v1.Probe
1 handler core.v1.ProbeHandler i
2 initialDelaySeconds int32 o
3 timeoutSeconds int32 o
4 periodSeconds int32 o
5 successThreshold int32 o
6 failureThreshold int32 o
7 terminationGracePeriodSeconds int64 po
m core.v1.ProbeHandler
1 exec core.v1.ExecAction po
2 httpGet core.v1.HTTPGetAction po
3 tcpSocket core.v1.TCPSocketAction po
4 grpc core.v1.GRPCAction po
m core.v1.ProjectedVolumeSource
1 sources []core.v1.VolumeProjection
2 defaultMode int32 po
m core.v1.QuobyteVolumeSource
1 registry string
2 volume string
3 readOnly bool o
4 user string o
5 group string o
6 tenant string o
m core.v1.RBDPersistentVolumeSource
1 monitors []string
2 image string
3 fsType string o
4 pool string o
5 user string o
6 keyring string o
7 secretRef core.v1.SecretReference po
8 readOnly bool o
m core.v1.RBDVolumeSource
1 monitors []string
2 image string
3 fsType string o
4 pool string o
5 user string o
6 keyring string o
7 secretRef core.v1.LocalObjectReference po
8 readOnly bool o
m core.v1.RangeAllocation
1 metadata meta.v1.ObjectMeta o
2 range string
3 data bytes
m core.v1.ReplicationController
1 metadata meta.v1.ObjectMeta o
2 spec core.v1.ReplicationControllerSpec o
3 status core.v1.ReplicationControllerStatus o
m core.v1.ReplicationControllerCondition
1 type string
2 status string
3 lastTransitionTime meta.v1.Time o
4 reason string o
5 message string o
m core.v1.ReplicationControllerList
1 metadata meta.v1.ListMeta o
2 items []core.v1.ReplicationController
m core.v1.ReplicationControllerSpec
1 replicas int32 po
4 minReadySeconds int32 o
2 selector map<string,string> o
3 template core.v1.PodTemplateSpec po
m core.v1.ReplicationControllerStatus
1 replicas int32
2 fullyLabeledReplicas int32 o
4 readyReplicas int32 o
5 availableReplicas int32 o
3 observedGeneration int64 o
6 conditions []core.v1.ReplicationControllerCondition o
m core.v1.ResourceClaim
1 name string
2 request string o
m core.v1.ResourceFieldSelector
1 containerName string o
2 resource string
3 divisor resource.Quantity o
m core.v1.ResourceHealth
1 resourceID string
2 health string o
6 message string po
m core.v1.ResourceQuota
1 metadata meta.v1.ObjectMeta o
2 spec core.v1.ResourceQuotaSpec o
3 status core.v1.ResourceQuotaStatus o
m core.v1.ResourceQuotaList
1 metadata meta.v1.ListMeta o
2 items []core.v1.ResourceQuota
m core.v1.ResourceQuotaSpec
1 hard map<string,resource.Quantity> o
2 scopes []string o
3 scopeSelector core.v1.ScopeSelector po
m core.v1.ResourceQuotaStatus
1 hard map<string,resource.Quantity> o
2 used map<string,resource.Quantity> o
m core.v1.ResourceRequirements
1 limits map<string,resource.Quantity> o
2 requests map<string,resource.Quantity> o
3 claims []core.v1.ResourceClaim o
m core.v1.ResourceStatus
1 name string
2 resources []core.v1.ResourceHealth o
m core.v1.SELinuxOptions
1 user string o
2 role string o
3 type string o
4 level string o
m core.v1.ScaleIOPersistentVolumeSource
1 gateway string
2 system string
3 secretRef core.v1.SecretReference p
4 sslEnabled bool o
5 protectionDomain string o
6 storagePool string o
7 storageMode string o
8 volumeName string o
9 fsType string o
10 readOnly bool o
m core.v1.ScaleIOVolumeSource
1 gateway string
2 system string
3 secretRef core.v1.LocalObjectReference p
4 sslEnabled bool o
5 protectionDomain string o
6 storagePool string o
7 storageMode string o
8 volumeName string o
9 fsType string o
10 readOnly bool o
m core.v1.ScopeSelector
1 matchExpressions []core.v1.ScopedResourceSelectorRequirement o
m core.v1.ScopedResourceSelectorRequirement
1 scopeName string
2 operator string
3 values []string o
m core.v1.SeccompProfile
1 type string
2 localhostProfile string po
m core.v1.Secret
1 metadata meta.v1.ObjectMeta o
5 immutable bool po
2 data map<string,bytes> o
4 stringData map<string,string> o
3 type string o
m core.v1.SecretEnvSource
1 localObjectReference core.v1.LocalObjectReference i
2 optional bool po
m core.v1.SecretKeySelector
1 localObjectReference core.v1.LocalObjectReference i
2 key string
3 optional bool po
m core.v1.SecretList
1 metadata meta.v1.ListMeta o
2 items []core.v1.Secret
m core.v1.SecretProjection
1 localObjectReference core.v1.LocalObjectReference i
2 items []core.v1.KeyToPath o
4 optional bool po
m core.v1.SecretReference
1 name string o
2 namespace string o
m core.v1.SecretVolumeSource
1 secretName string o
2 items []core.v1.KeyToPath o
3 defaultMode int32 po
4 optional bool po
m core.v1.SecurityContext
1 capabilities core.v1.Capabilities po
2 privileged bool po
3 seLinuxOptions core.v1.SELinuxOptions po
10 windowsOptions core.v1.WindowsSecurityContextOptions po
4 runAsUser int64 po
8 runAsGroup int64 po
5 runAsNonRoot bool po
6 readOnlyRootFilesystem bool po
7 allowPrivilegeEscalation bool po
9 procMount string po
11 seccompProfile core.v1.SeccompProfile po
12 appArmorProfile core.v1.AppArmorProfile po
m core.v1.SerializedReference
1 reference core.v1.ObjectReference o
m core.v1.Service
1 metadata meta.v1.ObjectMeta o
2 spec core.v1.ServiceSpec o
3 status core.v1.ServiceStatus o
m core.v1.ServiceAccount
1 metadata meta.v1.ObjectMeta o
2 secrets []core.v1.ObjectReference o
3 imagePullSecrets []core.v1.LocalObjectReference o
4 automountServiceAccountToken bool po
m core.v1.ServiceAccountList
1 metadata meta.v1.ListMeta o
2 items []core.v1.ServiceAccount
m core.v1.ServiceAccountTokenProjection
1 audience string o
2 expirationSeconds int64 po
3 path string
m core.v1.ServiceList
1 metadata meta.v1.ListMeta o
2 items []core.v1.Service
m core.v1.ServicePort
1 name string o
2 protocol string o
6 appProtocol string po
3 port int32
4 targetPort intstr.IntOrString o
5 nodePort int32 o
m core.v1.ServiceProxyOptions
1 path string o
m core.v1.ServiceSpec
1 ports []core.v1.ServicePort o
2 selector map<string,string> o
3 clusterIP string o
18 clusterIPs []string o
4 type string o
5 externalIPs []string o
7 sessionAffinity string o
8 loadBalancerIP string o
9 loadBalancerSourceRanges []string o
10 externalName string o
11 externalTrafficPolicy string o
12 healthCheckNodePort int32 o
13 publishNotReadyAddresses bool o
14 sessionAffinityConfig core.v1.SessionAffinityConfig po
19 ipFamilies []string o
17 ipFamilyPolicy string po
20 allocateLoadBalancerNodePorts bool po
21 loadBalancerClass string po
22 internalTrafficPolicy string po
23 trafficDistribution string po
m core.v1.ServiceStatus
1 loadBalancer core.v1.LoadBalancerStatus o
2 conditions []meta.v1.Condition o
m core.v1.SessionAffinityConfig
1 clientIP core.v1.ClientIPConfig po
m core.v1.SleepAction
1 seconds int64
m core.v1.StorageOSPersistentVolumeSource
1 volumeName string o
2 volumeNamespace string o
3 fsType string o
4 readOnly bool o
5 secretRef core.v1.ObjectReference po
m core.v1.StorageOSVolumeSource
1 volumeName string o
2 volumeNamespace string o
3 fsType string o
4 readOnly bool o
5 secretRef core.v1.LocalObjectReference po
m core.v1.Sysctl
1 name string
2 value string
m core.v1.TCPSocketAction
1 port intstr.IntOrString
2 host string o
m core.v1.Taint
1 key string
2 value string o
3 effect string
4 timeAdded meta.v1.Time po
m core.v1.Toleration
1 key string o
2 operator string o
3 value string o
4 effect string o
5 tolerationSeconds int64 po
m core.v1.TopologySelectorLabelRequirement
1 key string
2 values []string
m core.v1.TopologySelectorTerm
1 matchLabelExpressions []core.v1.TopologySelectorLabelRequirement o
m core.v1.TopologySpreadConstraint
1 maxSkew int32
2 topologyKey string
3 whenUnsatisfiable string
4 labelSelector meta.v1.LabelSelector po
5 minDomains int32 po
6 nodeAffinityPolicy string po
7 nodeTaintsPolicy string po
8 matchLabelKeys []string o
m core.v1.TypedLocalObjectReference
1 apiGroup string p
2 kind string
3 name string
m core.v1.TypedObjectReference
1 apiGroup string p
2 kind string
3 name string
4 namespace string po
m core.v1.Volume
1 name string
2 volumeSource core.v1.VolumeSource i
m core.v1.VolumeDevice
1 name string
2 devicePath string
m core.v1.VolumeMount
1 name string
2 readOnly bool o
7 recursiveReadOnly string po
3 mountPath string
4 subPath string o
5 mountPropagation string po
6 subPathExpr string o
m core.v1.VolumeMountStatus
1 name string
2 mountPath string
3 readOnly bool o
4 recursiveReadOnly string po
5 volumeStatus core.v1.VolumeStatus po
m core.v1.VolumeNodeAffinity
1 required core.v1.NodeSelector po
m core.v1.VolumeProjection
1 secret core.v1.SecretProjection po
2 downwardAPI core.v1.DownwardAPIProjection po
3 configMap core.v1.ConfigMapProjection po
4 serviceAccountToken core.v1.ServiceAccountTokenProjection po
5 clusterTrustBundle core.v1.ClusterTrustBundleProjection po
6 podCertificate core.v1.PodCertificateProjection po
m core.v1.VolumeResourceRequirements
1 limits map<string,resource.Quantity> o
2 requests map<string,resource.Quantity> o
m core.v1.VolumeSource
1 hostPath core.v1.HostPathVolumeSource po
2 emptyDir core.v1.EmptyDirVolumeSource po
3 gcePersistentDisk core.v1.GCEPersistentDiskVolumeSource po
4 awsElasticBlockStore core.v1.AWSElasticBlockStoreVolumeSource po
5 gitRepo core.v1.GitRepoVolumeSource po
6 secret core.v1.SecretVolumeSource po
7 nfs core.v1.NFSVolumeSource po
8 iscsi core.v1.ISCSIVolumeSource po
9 glusterfs core.v1.GlusterfsVolumeSource po
10 persistentVolumeClaim core.v1.PersistentVolumeClaimVolumeSource po
11 rbd core.v1.RBDVolumeSource po
12 flexVolume core.v1.FlexVolumeSource po
13 cinder core.v1.CinderVolumeSource po
14 cephfs core.v1.CephFSVolumeSource po
15 flocker core.v1.FlockerVolumeSource po
16 downwardAPI core.v1.DownwardAPIVolumeSource po
17 fc core.v1.FCVolumeSource po
18 azureFile core.v1.AzureFileVolumeSource po
19 configMap core.v1.ConfigMapVolumeSource po
20 vsphereVolume core.v1.VsphereVirtualDiskVolumeSource po
21 quobyte core.v1.QuobyteVolumeSource po
22 azureDisk core.v1.AzureDiskVolumeSource po
23 photonPersistentDisk core.v1.PhotonPersistentDiskVolumeSource po
26 projected core.v1.ProjectedVolumeSource po
24 portworxVolume core.v1.PortworxVolumeSource po
25 scaleIO core.v1.ScaleIOVolumeSource po
27 storageos core.v1.StorageOSVolumeSource po
28 csi core.v1.CSIVolumeSource po
29 ephemeral core.v1.EphemeralVolumeSource po
30 image core.v1.ImageVolumeSource po
m core.v1.VolumeStatus
1 image core.v1.ImageVolumeStatus po
m core.v1.VsphereVirtualDiskVolumeSource
1 volumePath string
2 fsType string o
3 storagePolicyName string o
4 storagePolicyID string o
m core.v1.WeightedPodAffinityTerm
1 weight int32
2 podAffinityTerm core.v1.PodAffinityTerm
m core.v1.WindowsSecurityContextOptions
1 gmsaCredentialSpecName string po
2 gmsaCredentialSpec string po
3 runAsUserName string po
4 hostProcess bool po
m apps.v1.ControllerRevision
1 metadata meta.v1.ObjectMeta o
2 data runtime.RawExtension o
3 revision int64
m apps.v1.ControllerRevisionList
1 metadata meta.v1.ListMeta o
2 items []apps.v1.ControllerRevision
m apps.v1.DaemonSet
1 metadata meta.v1.ObjectMeta o
2 spec apps.v1.DaemonSetSpec o
3 status apps.v1.DaemonSetStatus o
m apps.v1.DaemonSetCondition
1 type string
2 status string
3 lastTransitionTime meta.v1.Time o
4 reason string o
5 message string o
m apps.v1.DaemonSetList
1 metadata meta.v1.ListMeta o
2 items []apps.v1.DaemonSet
m apps.v1.DaemonSetSpec
1 selector meta.v1.LabelSelector p
2 template core.v1.PodTemplateSpec
3 updateStrategy apps.v1.DaemonSetUpdateStrategy o
4 minReadySeconds int32 o
6 revisionHistoryLimit int32 po
m apps.v1.DaemonSetStatus
1 currentNumberScheduled int32
2 numberMisscheduled int32
3 desiredNumberScheduled int32
4 numberReady int32
5 observedGeneration int64 o
6 updatedNumberScheduled int32 o
7 numberAvailable int32 o
8 numberUnavailable int32 o
9 collisionCount int32 po
10 conditions []apps.v1.DaemonSetCondition o
m apps.v1.DaemonSetUpdateStrategy
1 type string o
2 rollingUpdate apps.v1.RollingUpdateDaemonSet po
m apps.v1.Deployment
1 metadata meta.v1.ObjectMeta o
2 spec apps.v1.DeploymentSpec o
3 status apps.v1.DeploymentStatus o
m apps.v1.DeploymentCondition
1 type string
2 status string
6 lastUpdateTime meta.v1.Time o
7 lastTransitionTime meta.v1.Time o
4 reason string o
5 message string o
m apps.v1.DeploymentList
1 metadata meta.v1.ListMeta o
2 items []apps.v1.Deployment
m apps.v1.DeploymentSpec
1 replicas int32 po
2 selector meta.v1.LabelSelector p
3 template core.v1.PodTemplateSpec
4 strategy apps.v1.DeploymentStrategy o
5 minReadySeconds int32 o
6 revisionHistoryLimit int32 po
7 paused bool o
9 progressDeadlineSeconds int32 po
m apps.v1.DeploymentStatus
1 observedGeneration int64 o
2 replicas int32 o
3 updatedReplicas int32 o
7 readyReplicas int32 o
4 availableReplicas int32 o
5 unavailableReplicas int32 o
9 terminatingReplicas int32 po
6 conditions []apps.v1.DeploymentCondition o
8 collisionCount int32 po
m apps.v1.DeploymentStrategy
1 type string o
2 rollingUpdate apps.v1.RollingUpdateDeployment po
m apps.v1.ReplicaSet
1 metadata meta.v1.ObjectMeta o
2 spec apps.v1.ReplicaSetSpec o
3 status apps.v1.ReplicaSetStatus o
m apps.v1.ReplicaSetCondition
1 type string
2 status string
3 lastTransitionTime meta.v1.Time o
4 reason string o
5 message string o
m apps.v1.ReplicaSetList
1 metadata meta.v1.ListMeta o
2 items []apps.v1.ReplicaSet
m apps.v1.ReplicaSetSpec
1 replicas int32 po
4 minReadySeconds int32 o
2 selector meta.v1.LabelSelector p
3 template core.v1.PodTemplateSpec o
m apps.v1.ReplicaSetStatus
1 replicas int32
2 fullyLabeledReplicas int32 o
4 readyReplicas int32 o
5 availableReplicas int32 o
7 terminatingReplicas int32 po
3 observedGeneration int64 o
6 conditions []apps.v1.ReplicaSetCondition o
m apps.v1.RollingUpdateDaemonSet
1 maxUnavailable intstr.IntOrString po
2 maxSurge intstr.IntOrString po
m apps.v1.RollingUpdateDeployment
1 maxUnavailable intstr.IntOrString po
2 maxSurge intstr.IntOrString po
m apps.v1.RollingUpdateStatefulSetStrategy
1 partition int32 po
2 maxUnavailable intstr.IntOrString po
m apps.v1.StatefulSet
1 metadata meta.v1.ObjectMeta o
2 spec apps.v1.StatefulSetSpec o
3 status apps.v1.StatefulSetStatus o
m apps.v1.StatefulSetCondition
1 type string
2 status string
3 lastTransitionTime meta.v1.Time o
4 reason string o
5 message string o
m apps.v1.StatefulSetList
1 metadata meta.v1.ListMeta o
2 items []apps.v1.StatefulSet
m apps.v1.StatefulSetOrdinals
1 start int32
m apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy
1 whenDeleted string o
2 whenScaled string o
m apps.v1.StatefulSetSpec
1 replicas int32 po
2 selector meta.v1.LabelSelector p
3 template core.v1.PodTemplateSpec
4 volumeClaimTemplates []core.v1.PersistentVolumeClaim o
5 serviceName string
6 podManagementPolicy string o
7 updateStrategy apps.v1.StatefulSetUpdateStrategy o
8 revisionHistoryLimit int32 po
9 minReadySeconds int32 o
10 persistentVolumeClaimRetentionPolicy apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy po
11 ordinals apps.v1.StatefulSetOrdinals po
m apps.v1.StatefulSetStatus
1 observedGeneration int64 o
2 replicas int32
3 readyReplicas int32 o
4 currentReplicas int32 o
5 updatedReplicas int32 o
6 currentRevision string o
7 updateRevision string o
9 collisionCount int32 po
10 conditions []apps.v1.StatefulSetCondition o
11 availableReplicas int32
m apps.v1.StatefulSetUpdateStrategy
1 type string o
2 rollingUpdate apps.v1.RollingUpdateStatefulSetStrategy po
m batch.v1.CronJob
1 metadata meta.v1.ObjectMeta o
2 spec batch.v1.CronJobSpec o
3 status batch.v1.CronJobStatus o
m batch.v1.CronJobList
1 metadata meta.v1.ListMeta o
2 items []batch.v1.CronJob
m batch.v1.CronJobSpec
1 schedule string
8 timeZone string po
2 startingDeadlineSeconds int64 po
3 concurrencyPolicy string o
4 suspend bool po
5 jobTemplate batch.v1.JobTemplateSpec
6 successfulJobsHistoryLimit int32 po
7 failedJobsHistoryLimit int32 po
m batch.v1.CronJobStatus
1 active []core.v1.ObjectReference o
4 lastScheduleTime meta.v1.Time po
5 lastSuccessfulTime meta.v1.Time po
m batch.v1.Job
1 metadata meta.v1.ObjectMeta o
2 spec batch.v1.JobSpec o
3 status batch.v1.JobStatus o
m batch.v1.JobCondition
1 type string
2 status string
3 lastProbeTime meta.v1.Time o
4 lastTransitionTime meta.v1.Time o
5 reason string o
6 message string o
m batch.v1.JobList
1 metadata meta.v1.ListMeta o
2 items []batch.v1.Job
m batch.v1.JobSpec
1 parallelism int32 po
2 completions int32 po
3 activeDeadlineSeconds int64 po
11 podFailurePolicy batch.v1.PodFailurePolicy po
16 successPolicy batch.v1.SuccessPolicy po
7 backoffLimit int32 po
12 backoffLimitPerIndex int32 po
13 maxFailedIndexes int32 po
4 selector meta.v1.LabelSelector po
5 manualSelector bool po
6 template core.v1.PodTemplateSpec
8 ttlSecondsAfterFinished int32 po
9 completionMode string po
10 suspend bool po
14 podReplacementPolicy string po
15 managedBy string po
m batch.v1.JobStatus
1 conditions []batch.v1.JobCondition o
2 startTime meta.v1.Time po
3 completionTime meta.v1.Time po
4 active int32 o
5 succeeded int32 o
6 failed int32 o
11 terminating int32 po
7 completedIndexes string o
10 failedIndexes string po
8 uncountedTerminatedPods batch.v1.UncountedTerminatedPods po
9 ready int32 po
m batch.v1.JobTemplateSpec
1 metadata meta.v1.ObjectMeta o
2 spec batch.v1.JobSpec o
m batch.v1.PodFailurePolicy
1 rules []batch.v1.PodFailurePolicyRule
m batch.v1.PodFailurePolicyOnExitCodesRequirement
1 containerName string po
2 operator string
3 values []int32
m batch.v1.PodFailurePolicyOnPodConditionsPattern
1 type string
2 status string
m batch.v1.PodFailurePolicyRule
1 action string
2 onExitCodes batch.v1.PodFailurePolicyOnExitCodesRequirement po
3 onPodConditions []batch.v1.PodFailurePolicyOnPodConditionsPattern o
m batch.v1.SuccessPolicy
1 rules []batch.v1.SuccessPolicyRule
m batch.v1.SuccessPolicyRule
1 succeededIndexes string po
2 succeededCount int32 po
m batch.v1.UncountedTerminatedPods
1 succeeded []string o
2 failed []string o
m autoscaling.v1.ContainerResourceMetricSource
1 name string
2 targetAverageUtilization int32 po
3 targetAverageValue resource.Quantity po
5 container string
m autoscaling.v1.ContainerResourceMetricStatus
1 name string
2 currentAverageUtilization int32 po
3 currentAverageValue resource.Quantity
4 container string
m autoscaling.v1.CrossVersionObjectReference
1 kind string
2 name string
3 apiVersion string o
m autoscaling.v1.ExternalMetricSource
1 metricName string
2 metricSelector meta.v1.LabelSelector po
3 targetValue resource.Quantity po
4 targetAverageValue resource.Quantity po
m autoscaling.v1.ExternalMetricStatus
1 metricName string
2 metricSelector meta.v1.LabelSelector po
3 currentValue resource.Quantity
4 currentAverageValue resource.Quantity po
m autoscaling.v1.HorizontalPodAutoscaler
1 metadata meta.v1.ObjectMeta o
2 spec autoscaling.v1.HorizontalPodAutoscalerSpec o
3 status autoscaling.v1.HorizontalPodAutoscalerStatus o
m autoscaling.v1.HorizontalPodAutoscalerCondition
1 type string
2 status string
3 lastTransitionTime meta.v1.Time o
4 reason string o
5 message string o
m autoscaling.v1.HorizontalPodAutoscalerList
1 metadata meta.v1.ListMeta o
2 items []autoscaling.v1.HorizontalPodAutoscaler
m autoscaling.v1.HorizontalPodAutoscalerSpec
1 scaleTargetRef autoscaling.v1.CrossVersionObjectReference
2 minReplicas int32 po
3 maxReplicas int32
4 targetCPUUtilizationPercentage int32 po
m autoscaling.v1.HorizontalPodAutoscalerStatus
1 observedGeneration int64 po
2 lastScaleTime meta.v1.Time po
3 currentReplicas int32
4 desiredReplicas int32
5 currentCPUUtilizationPercentage int32 po
m autoscaling.v1.MetricSpec
1 type string
2 object autoscaling.v1.ObjectMetricSource po
3 pods autoscaling.v1.PodsMetricSource po
4 resource autoscaling.v1.ResourceMetricSource po
7 containerResource autoscaling.v1.ContainerResourceMetricSource po
5 external autoscaling.v1.ExternalMetricSource po
m autoscaling.v1.MetricStatus
1 type string
2 object autoscaling.v1.ObjectMetricStatus po
3 pods autoscaling.v1.PodsMetricStatus po
4 resource autoscaling.v1.ResourceMetricStatus po
7 containerResource autoscaling.v1.ContainerResourceMetricStatus po
5 external autoscaling.v1.ExternalMetricStatus po
m autoscaling.v1.ObjectMetricSource
1 target autoscaling.v1.CrossVersionObjectReference
2 metricName string
3 targetValue resource.Quantity
4 selector meta.v1.LabelSelector po
5 averageValue resource.Quantity po
m autoscaling.v1.ObjectMetricStatus
1 target autoscaling.v1.CrossVersionObjectReference
2 metricName string
3 currentValue resource.Quantity
4 selector meta.v1.LabelSelector po
5 averageValue resource.Quantity po
m autoscaling.v1.PodsMetricSource
1 metricName string
2 targetAverageValue resource.Quantity
3 selector meta.v1.LabelSelector po
m autoscaling.v1.PodsMetricStatus
1 metricName string
2 currentAverageValue resource.Quantity
3 selector meta.v1.LabelSelector po
m autoscaling.v1.ResourceMetricSource
1 name string
2 targetAverageUtilization int32 po
3 targetAverageValue resource.Quantity po
m autoscaling.v1.ResourceMetricStatus
1 name string
2 currentAverageUtilization int32 po
3 currentAverageValue resource.Quantity
m autoscaling.v1.Scale
1 metadata meta.v1.ObjectMeta o
2 spec autoscaling.v1.ScaleSpec o
3 status autoscaling.v1.ScaleStatus o
m autoscaling.v1.ScaleSpec
1 replicas int32 o
m autoscaling.v1.ScaleStatus
1 replicas int32
2 selector string o
m autoscaling.v2.ContainerResourceMetricSource
1 name string
2 target autoscaling.v2.MetricTarget
3 container string
m autoscaling.v2.ContainerResourceMetricStatus
1 name string
2 current autoscaling.v2.MetricValueStatus
3 container string
m autoscaling.v2.CrossVersionObjectReference
1 kind string
2 name string
3 apiVersion string o
m autoscaling.v2.ExternalMetricSource
1 metric autoscaling.v2.MetricIdentifier
2 target autoscaling.v2.MetricTarget
m autoscaling.v2.ExternalMetricStatus
1 metric autoscaling.v2.MetricIdentifier
2 current autoscaling.v2.MetricValueStatus
m autoscaling.v2.HPAScalingPolicy
1 type string
2 value int32
3 periodSeconds int32
m autoscaling.v2.HPAScalingRules
3 stabilizationWindowSeconds int32 po
1 selectPolicy string po
2 policies []autoscaling.v2.HPAScalingPolicy o
4 tolerance resource.Quantity po
m autoscaling.v2.HorizontalPodAutoscaler
1 metadata meta.v1.ObjectMeta o
2 spec autoscaling.v2.HorizontalPodAutoscalerSpec o
3 status autoscaling.v2.HorizontalPodAutoscalerStatus o
m autoscaling.v2.HorizontalPodAutoscalerBehavior
1 scaleUp autoscaling.v2.HPAScalingRules po
2 scaleDown autoscaling.v2.HPAScalingRules po
m autoscaling.v2.HorizontalPodAutoscalerCondition
1 type string
2 status string
3 lastTransitionTime meta.v1.Time o
4 reason string o
5 message string o
m autoscaling.v2.HorizontalPodAutoscalerList
1 metadata meta.v1.ListMeta o
2 items []autoscaling.v2.HorizontalPodAutoscaler
m autoscaling.v2.HorizontalPodAutoscalerSpec
1 scaleTargetRef autoscaling.v2.CrossVersionObjectReference
2 minReplicas int32 po
3 maxReplicas int32
4 metrics []autoscaling.v2.MetricSpec o
5 behavior autoscaling.v2.HorizontalPodAutoscalerBehavior po
m autoscaling.v2.HorizontalPodAutoscalerStatus
1 observedGeneration int64 po
2 lastScaleTime meta.v1.Time po
3 currentReplicas int32 o
4 desiredReplicas int32
5 currentMetrics []autoscaling.v2.MetricStatus
6 conditions []autoscaling.v2.HorizontalPodAutoscalerCondition o
m autoscaling.v2.MetricIdentifier
1 name string
2 selector meta.v1.LabelSelector po
m autoscaling.v2.MetricSpec
1 type string
2 object autoscaling.v2.ObjectMetricSource po
3 pods autoscaling.v2.PodsMetricSource po
4 resource autoscaling.v2.ResourceMetricSource po
7 containerResource autoscaling.v2.ContainerResourceMetricSource po
5 external autoscaling.v2.ExternalMetricSource po
m autoscaling.v2.MetricStatus
1 type string
2 object autoscaling.v2.ObjectMetricStatus po
3 pods autoscaling.v2.PodsMetricStatus po
4 resource autoscaling.v2.ResourceMetricStatus po
7 containerResource autoscaling.v2.ContainerResourceMetricStatus po
5 external autoscaling.v2.ExternalMetricStatus po
m autoscaling.v2.MetricTarget
1 type string
2 value resource.Quantity po
3 averageValue resource.Quantity po
4 averageUtilization int32 po
m autoscaling.v2.MetricValueStatus
1 value resource.Quantity po
2 averageValue resource.Quantity po
3 averageUtilization int32 po
m autoscaling.v2.ObjectMetricSource
1 describedObject autoscaling.v2.CrossVersionObjectReference
2 target autoscaling.v2.MetricTarget
3 metric autoscaling.v2.MetricIdentifier
m autoscaling.v2.ObjectMetricStatus
1 metric autoscaling.v2.MetricIdentifier
2 current autoscaling.v2.MetricValueStatus
3 describedObject autoscaling.v2.CrossVersionObjectReference
m autoscaling.v2.PodsMetricSource
1 metric autoscaling.v2.MetricIdentifier
2 target autoscaling.v2.MetricTarget
m autoscaling.v2.PodsMetricStatus
1 metric autoscaling.v2.MetricIdentifier
2 current autoscaling.v2.MetricValueStatus
m autoscaling.v2.ResourceMetricSource
1 name string
2 target autoscaling.v2.MetricTarget
m autoscaling.v2.ResourceMetricStatus
1 name string
2 current autoscaling.v2.MetricValueStatus
m policy.v1.Eviction
1 metadata meta.v1.ObjectMeta o
2 deleteOptions meta.v1.DeleteOptions po
m policy.v1.PodDisruptionBudget
1 metadata meta.v1.ObjectMeta o
2 spec policy.v1.PodDisruptionBudgetSpec o
3 status policy.v1.PodDisruptionBudgetStatus o
m policy.v1.PodDisruptionBudgetList
1 metadata meta.v1.ListMeta o
2 items []policy.v1.PodDisruptionBudget
m policy.v1.PodDisruptionBudgetSpec
1 minAvailable intstr.IntOrString po
2 selector meta.v1.LabelSelector po
3 maxUnavailable intstr.IntOrString po
4 unhealthyPodEvictionPolicy string po
m policy.v1.PodDisruptionBudgetStatus
1 observedGeneration int64 o
2 disruptedPods map<string,meta.v1.Time> o
3 disruptionsAllowed int32
4 currentHealthy int32
5 desiredHealthy int32
6 expectedPods int32
7 conditions []meta.v1.Condition o
m networking.v1.HTTPIngressPath
1 path string o
3 pathType string p
2 backend networking.v1.IngressBackend
m networking.v1.HTTPIngressRuleValue
1 paths []networking.v1.HTTPIngressPath
m networking.v1.IPAddress
1 metadata meta.v1.ObjectMeta o
2 spec networking.v1.IPAddressSpec o
m networking.v1.IPAddressList
1 metadata meta.v1.ListMeta o
2 items []networking.v1.IPAddress
m networking.v1.IPAddressSpec
1 parentRef networking.v1.ParentReference po
m networking.v1.IPBlock
1 cidr string
2 except []string o
m networking.v1.Ingress
1 metadata meta.v1.ObjectMeta o
2 spec networking.v1.IngressSpec o
3 status networking.v1.IngressStatus o
m networking.v1.IngressBackend
4 service networking.v1.IngressServiceBackend po
3 resource core.v1.TypedLocalObjectReference po
m networking.v1.IngressClass
1 metadata meta.v1.ObjectMeta o
2 spec networking.v1.IngressClassSpec o
m networking.v1.IngressClassList
1 metadata meta.v1.ListMeta o
2 items []networking.v1.IngressClass
m networking.v1.IngressClassParametersReference
1 apiGroup string po
2 kind string
3 name string
4 scope string p
5 namespace string po
m networking.v1.IngressClassSpec
1 controller string o
2 parameters networking.v1.IngressClassParametersReference po
m networking.v1.IngressList
1 metadata meta.v1.ListMeta o
2 items []networking.v1.Ingress
m networking.v1.IngressLoadBalancerIngress
1 ip string o
2 hostname string o
4 ports []networking.v1.IngressPortStatus o
m networking.v1.IngressLoadBalancerStatus
1 ingress []networking.v1.IngressLoadBalancerIngress o
m networking.v1.IngressPortStatus
1 port int32
2 protocol string
3 error string po
m networking.v1.IngressRule
1 host string o
2 ingressRuleValue networking.v1.IngressRuleValue i
m networking.v1.IngressRuleValue
1 http networking.v1.HTTPIngressRuleValue po
m networking.v1.IngressServiceBackend
1 name string
2 port networking.v1.ServiceBackendPort o
m networking.v1.IngressSpec
4 ingressClassName string po
1 defaultBackend networking.v1.IngressBackend po
2 tls []networking.v1.IngressTLS o
3 rules []networking.v1.IngressRule o
m networking.v1.IngressStatus
1 loadBalancer networking.v1.IngressLoadBalancerStatus o
m networking.v1.IngressTLS
1 hosts []string o
2 secretName string o
m networking.v1.NetworkPolicy
1 metadata meta.v1.ObjectMeta o
2 spec networking.v1.NetworkPolicySpec o
m networking.v1.NetworkPolicyEgressRule
1 ports []networking.v1.NetworkPolicyPort o
2 to []networking.v1.NetworkPolicyPeer o
m networking.v1.NetworkPolicyIngressRule
1 ports []networking.v1.NetworkPolicyPort o
2 from []networking.v1.NetworkPolicyPeer o
m networking.v1.NetworkPolicyList
1 metadata meta.v1.ListMeta o
2 items []networking.v1.NetworkPolicy
m networking.v1.NetworkPolicyPeer
1 podSelector meta.v1.LabelSelector po
2 namespaceSelector meta.v1.LabelSelector po
3 ipBlock networking.v1.IPBlock po
m networking.v1.NetworkPolicyPort
1 protocol string po
2 port intstr.IntOrString po
3 endPort int32 po
m networking.v1.NetworkPolicySpec
1 podSelector meta.v1.LabelSelector
2 ingress []networking.v1.NetworkPolicyIngressRule o
3 egress []networking.v1.NetworkPolicyEgressRule o
4 policyTypes []string o
m networking.v1.ParentReference
1 group string o
2 resource string o
3 namespace string o
4 name string o
m networking.v1.ServiceBackendPort
1 name string o
2 number int32 o
m networking.v1.ServiceCIDR
1 metadata meta.v1.ObjectMeta o
2 spec networking.v1.ServiceCIDRSpec o
3 status networking.v1.ServiceCIDRStatus o
m networking.v1.ServiceCIDRList
1 metadata meta.v1.ListMeta o
2 items []networking.v1.ServiceCIDR
m networking.v1.ServiceCIDRSpec
1 cidrs []string o
m networking.v1.ServiceCIDRStatus
1 conditions []meta.v1.Condition o
m rbac.v1.AggregationRule
1 clusterRoleSelectors []meta.v1.LabelSelector o
m rbac.v1.ClusterRole
1 metadata meta.v1.ObjectMeta o
2 rules []rbac.v1.PolicyRule
3 aggregationRule rbac.v1.AggregationRule po
m rbac.v1.ClusterRoleBinding
1 metadata meta.v1.ObjectMeta o
2 subjects []rbac.v1.Subject o
3 roleRef rbac.v1.RoleRef
m rbac.v1.ClusterRoleBindingList
1 metadata meta.v1.ListMeta o
2 items []rbac.v1.ClusterRoleBinding
m rbac.v1.ClusterRoleList
1 metadata meta.v1.ListMeta o
2 items []rbac.v1.ClusterRole
m rbac.v1.PolicyRule
1 verbs []string
2 apiGroups []string o
3 resources []string o
4 resourceNames []string o
5 nonResourceURLs []string o
m rbac.v1.Role
1 metadata meta.v1.ObjectMeta o
2 rules []rbac.v1.PolicyRule
m rbac.v1.RoleBinding
1 metadata meta.v1.ObjectMeta o
2 subjects []rbac.v1.Subject o
3 roleRef rbac.v1.RoleRef
m rbac.v1.RoleBindingList
1 metadata meta.v1.ListMeta o
2 items []rbac.v1.RoleBinding
m rbac.v1.RoleList
1 metadata meta.v1.ListMeta o
2 items []rbac.v1.Role
m rbac.v1.RoleRef
1 apiGroup string
2 kind string
3 name string
m rbac.v1.Subject
1 kind string
2 apiGroup string o
3 name string
4 namespace string o
m storage.v1.CSIDriver
1 metadata meta.v1.ObjectMeta o
2 spec storage.v1.CSIDriverSpec
m storage.v1.CSIDriverList
1 metadata meta.v1.ListMeta o
2 items []storage.v1.CSIDriver
m storage.v1.CSIDriverSpec
1 attachRequired bool po
2 podInfoOnMount bool po
3 volumeLifecycleModes []string o
4 storageCapacity bool po
5 fsGroupPolicy string po
6 tokenRequests []storage.v1.TokenRequest o
7 requiresRepublish bool po
8 seLinuxMount bool po
9 nodeAllocatableUpdatePeriodSeconds int64 po
10 serviceAccountTokenInSecrets bool po
11 preventPodSchedulingIfMissing bool po
m storage.v1.CSINode
1 metadata meta.v1.ObjectMeta o
2 spec storage.v1.CSINodeSpec
m storage.v1.CSINodeDriver
1 name string
2 nodeID string
3 topologyKeys []string
4 allocatable storage.v1.VolumeNodeResources po
m storage.v1.CSINodeList
1 metadata meta.v1.ListMeta o
2 items []storage.v1.CSINode
m storage.v1.CSINodeSpec
1 drivers []storage.v1.CSINodeDriver
m storage.v1.CSIStorageCapacity
1 metadata meta.v1.ObjectMeta o
2 nodeTopology meta.v1.LabelSelector po
3 storageClassName string
4 capacity resource.Quantity po
5 maximumVolumeSize resource.Quantity po
m storage.v1.CSIStorageCapacityList
1 metadata meta.v1.ListMeta o
2 items []storage.v1.CSIStorageCapacity
m storage.v1.StorageClass
1 metadata meta.v1.ObjectMeta o
2 provisioner string
3 parameters map<string,string> o
4 reclaimPolicy string po
5 mountOptions []string o
6 allowVolumeExpansion bool po
7 volumeBindingMode string po
8 allowedTopologies []core.v1.TopologySelectorTerm o
m storage.v1.StorageClassList
1 metadata meta.v1.ListMeta o
2 items []storage.v1.StorageClass
m storage.v1.TokenRequest
1 audience string
2 expirationSeconds int64 po
m storage.v1.VolumeAttachment
1 metadata meta.v1.ObjectMeta o
2 spec storage.v1.VolumeAttachmentSpec
3 status storage.v1.VolumeAttachmentStatus o
m storage.v1.VolumeAttachmentList
1 metadata meta.v1.ListMeta o
2 items []storage.v1.VolumeAttachment
m storage.v1.VolumeAttachmentSource
1 persistentVolumeName string po
2 inlineVolumeSpec core.v1.PersistentVolumeSpec po
m storage.v1.VolumeAttachmentSpec
1 attacher string
2 source storage.v1.VolumeAttachmentSource
3 nodeName string
m storage.v1.VolumeAttachmentStatus
1 attached bool
2 attachmentMetadata map<string,string> o
3 attachError storage.v1.VolumeError po
4 detachError storage.v1.VolumeError po
m storage.v1.VolumeAttributesClass
1 metadata meta.v1.ObjectMeta o
2 driverName string
3 parameters map<string,string> o
m storage.v1.VolumeAttributesClassList
1 metadata meta.v1.ListMeta o
2 items []storage.v1.VolumeAttributesClass
m storage.v1.VolumeError
1 time meta.v1.Time o
2 message string o
3 errorCode int32 po
m storage.v1.VolumeNodeResources
1 count int32 po
m coordination.v1.Lease
1 metadata meta.v1.ObjectMeta o
2 spec coordination.v1.LeaseSpec o
m coordination.v1.LeaseList
1 metadata meta.v1.ListMeta o
2 items []coordination.v1.Lease
m coordination.v1.LeaseSpec
1 holderIdentity string po
2 leaseDurationSeconds int32 po
3 acquireTime meta.v1.MicroTime po
4 renewTime meta.v1.MicroTime po
5 leaseTransitions int32 po
6 strategy string po
7 preferredHolder string po
m discovery.v1.Endpoint
1 addresses []string
2 conditions discovery.v1.EndpointConditions o
3 hostname string po
4 targetRef core.v1.ObjectReference po
5 deprecatedTopology map<string,string> o
6 nodeName string po
7 zone string po
8 hints discovery.v1.EndpointHints po
m discovery.v1.EndpointConditions
1 ready bool po
2 serving bool po
3 terminating bool po
m discovery.v1.EndpointHints
1 forZones []discovery.v1.ForZone o
2 forNodes []discovery.v1.ForNode o
m discovery.v1.EndpointPort
1 name string po
2 protocol string po
3 port int32 po
4 appProtocol string po
m discovery.v1.EndpointSlice
1 metadata meta.v1.ObjectMeta o
4 addressType string
2 endpoints []discovery.v1.Endpoint
3 ports []discovery.v1.EndpointPort
m discovery.v1.EndpointSliceList
1 metadata meta.v1.ListMeta o
2 items []discovery.v1.EndpointSlice
m discovery.v1.ForNode
1 name string
m discovery.v1.ForZone
1 name string
m events.v1.Event
1 metadata meta.v1.ObjectMeta
2 eventTime meta.v1.MicroTime
3 series events.v1.EventSeries po
4 reportingController string o
5 reportingInstance string o
6 action string o
7 reason string o
8 regarding core.v1.ObjectReference o
9 related core.v1.ObjectReference po
10 note string o
11 type string o
12 deprecatedSource core.v1.EventSource o
13 deprecatedFirstTimestamp meta.v1.Time o
14 deprecatedLastTimestamp meta.v1.Time o
15 deprecatedCount int32 o
m events.v1.EventList
1 metadata meta.v1.ListMeta o
2 items []events.v1.Event
m events.v1.EventSeries
1 count int32
2 lastObservedTime meta.v1.MicroTime
m scheduling.v1.PriorityClass
1 metadata meta.v1.ObjectMeta o
2 value int32
3 globalDefault bool o
4 description string o
5 preemptionPolicy string po
m scheduling.v1.PriorityClassList
1 metadata meta.v1.ListMeta o
2 items []scheduling.v1.PriorityClass
m node.v1.Overhead
1 podFixed map<string,resource.Quantity> o
m node.v1.RuntimeClass
1 metadata meta.v1.ObjectMeta o
2 handler string
3 overhead node.v1.Overhead po
4 scheduling node.v1.Scheduling po
m node.v1.RuntimeClassList
1 metadata meta.v1.ListMeta o
2 items []node.v1.RuntimeClass
m node.v1.Scheduling
1 nodeSelector map<string,string> o
2 tolerations []core.v1.Toleration o
m certificates.v1.CertificateSigningRequest
1 metadata meta.v1.ObjectMeta o
2 spec certificates.v1.CertificateSigningRequestSpec
3 status certificates.v1.CertificateSigningRequestStatus o
m certificates.v1.CertificateSigningRequestCondition
1 type string
6 status string
2 reason string o
3 message string o
4 lastUpdateTime meta.v1.Time o
5 lastTransitionTime meta.v1.Time o
m certificates.v1.CertificateSigningRequestList
1 metadata meta.v1.ListMeta o
2 items []certificates.v1.CertificateSigningRequest
m certificates.v1.CertificateSigningRequestSpec
1 request bytes
7 signerName string
8 expirationSeconds int32 po
5 usages []string o
2 username string o
3 uid string o
4 groups []string o
6 extra map<string,certificates.v1.ExtraValue> o
m certificates.v1.CertificateSigningRequestStatus
1 conditions []certificates.v1.CertificateSigningRequestCondition o
2 certificate bytes o
m certificates.v1.ExtraValue list
1 items []string
m admissionregistration.v1.ApplyConfiguration
1 expression string o
m admissionregistration.v1.AuditAnnotation
1 key string
2 valueExpression string
m admissionregistration.v1.ExpressionWarning
2 fieldRef string
3 warning string
m admissionregistration.v1.JSONPatch
1 expression string o
m admissionregistration.v1.MatchCondition
1 name string
2 expression string
m admissionregistration.v1.MatchResources
1 namespaceSelector meta.v1.LabelSelector po
2 objectSelector meta.v1.LabelSelector po
3 resourceRules []admissionregistration.v1.NamedRuleWithOperations o
4 excludeResourceRules []admissionregistration.v1.NamedRuleWithOperations o
7 matchPolicy string po
m admissionregistration.v1.MutatingAdmissionPolicy
1 metadata meta.v1.ObjectMeta o
2 spec admissionregistration.v1.MutatingAdmissionPolicySpec o
m admissionregistration.v1.MutatingAdmissionPolicyBinding
1 metadata meta.v1.ObjectMeta o
2 spec admissionregistration.v1.MutatingAdmissionPolicyBindingSpec o
m admissionregistration.v1.MutatingAdmissionPolicyBindingList
1 metadata meta.v1.ListMeta o
2 items []admissionregistration.v1.MutatingAdmissionPolicyBinding
m admissionregistration.v1.MutatingAdmissionPolicyBindingSpec
1 policyName string o
2 paramRef admissionregistration.v1.ParamRef po
3 matchResources admissionregistration.v1.MatchResources po
m admissionregistration.v1.MutatingAdmissionPolicyList
1 metadata meta.v1.ListMeta o
2 items []admissionregistration.v1.MutatingAdmissionPolicy
m admissionregistration.v1.MutatingAdmissionPolicySpec
1 paramKind admissionregistration.v1.ParamKind po
2 matchConstraints admissionregistration.v1.MatchResources po
3 variables []admissionregistration.v1.Variable o
4 mutations []admissionregistration.v1.Mutation o
5 failurePolicy string po
6 matchConditions []admissionregistration.v1.MatchCondition o
7 reinvocationPolicy string o
m admissionregistration.v1.MutatingWebhook
1 name string
2 clientConfig admissionregistration.v1.WebhookClientConfig
3 rules []admissionregistration.v1.RuleWithOperations o
4 failurePolicy string po
9 matchPolicy string po
5 namespaceSelector meta.v1.LabelSelector po
11 objectSelector meta.v1.LabelSelector po
6 sideEffects string p
7 timeoutSeconds int32 po
8 admissionReviewVersions []string
10 reinvocationPolicy string po
12 matchConditions []admissionregistration.v1.MatchCondition o
m admissionregistration.v1.MutatingWebhookConfiguration
1 metadata meta.v1.ObjectMeta o
2 webhooks []admissionregistration.v1.MutatingWebhook o
m admissionregistration.v1.MutatingWebhookConfigurationList
1 metadata meta.v1.ListMeta o
2 items []admissionregistration.v1.MutatingWebhookConfiguration
m admissionregistration.v1.Mutation
2 patchType string
3 applyConfiguration admissionregistration.v1.ApplyConfiguration po
4 jsonPatch admissionregistration.v1.JSONPatch po
m admissionregistration.v1.NamedRuleWithOperations
1 resourceNames []string o
2 ruleWithOperations admissionregistration.v1.RuleWithOperations i
m admissionregistration.v1.ParamKind
1 apiVersion string o
2 kind string o
m admissionregistration.v1.ParamRef
1 name string o
2 namespace string o
3 selector meta.v1.LabelSelector po
4 parameterNotFoundAction string po
m admissionregistration.v1.Rule
1 apiGroups []string o
2 apiVersions []string o
3 resources []string o
4 scope string po
m admissionregistration.v1.RuleWithOperations
1 operations []string o
2 rule admissionregistration.v1.Rule i
m admissionregistration.v1.ServiceReference
1 namespace string
2 name string
3 path string po
4 port int32 po
m admissionregistration.v1.TypeChecking
1 expressionWarnings []admissionregistration.v1.ExpressionWarning o
m admissionregistration.v1.ValidatingAdmissionPolicy
1 metadata meta.v1.ObjectMeta o
2 spec admissionregistration.v1.ValidatingAdmissionPolicySpec o
3 status admissionregistration.v1.ValidatingAdmissionPolicyStatus o
m admissionregistration.v1.ValidatingAdmissionPolicyBinding
1 metadata meta.v1.ObjectMeta o
2 spec admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec o
m admissionregistration.v1.ValidatingAdmissionPolicyBindingList
1 metadata meta.v1.ListMeta o
2 items []admissionregistration.v1.ValidatingAdmissionPolicyBinding
m admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec
1 policyName string o
2 paramRef admissionregistration.v1.ParamRef po
3 matchResources admissionregistration.v1.MatchResources po
4 validationActions []string o
m admissionregistration.v1.ValidatingAdmissionPolicyList
1 metadata meta.v1.ListMeta o
2 items []admissionregistration.v1.ValidatingAdmissionPolicy
m admissionregistration.v1.ValidatingAdmissionPolicySpec
1 paramKind admissionregistration.v1.ParamKind po
2 matchConstraints admissionregistration.v1.MatchResources po
3 validations []admissionregistration.v1.Validation o
4 failurePolicy string po
5 auditAnnotations []admissionregistration.v1.AuditAnnotation o
6 matchConditions []admissionregistration.v1.MatchCondition o
7 variables []admissionregistration.v1.Variable o
m admissionregistration.v1.ValidatingAdmissionPolicyStatus
1 observedGeneration int64 o
2 typeChecking admissionregistration.v1.TypeChecking po
3 conditions []meta.v1.Condition o
m admissionregistration.v1.ValidatingWebhook
1 name string
2 clientConfig admissionregistration.v1.WebhookClientConfig
3 rules []admissionregistration.v1.RuleWithOperations o
4 failurePolicy string po
9 matchPolicy string po
5 namespaceSelector meta.v1.LabelSelector po
10 objectSelector meta.v1.LabelSelector po
6 sideEffects string p
7 timeoutSeconds int32 po
8 admissionReviewVersions []string
11 matchConditions []admissionregistration.v1.MatchCondition o
m admissionregistration.v1.ValidatingWebhookConfiguration
1 metadata meta.v1.ObjectMeta o
2 webhooks []admissionregistration.v1.ValidatingWebhook o
m admissionregistration.v1.ValidatingWebhookConfigurationList
1 metadata meta.v1.ListMeta o
2 items []admissionregistration.v1.ValidatingWebhookConfiguration
m admissionregistration.v1.Validation
1 expression string
2 message string o
3 reason string po
4 messageExpression string o
m admissionregistration.v1.Variable
1 name string
2 expression string
m admissionregistration.v1.WebhookClientConfig
3 url string po
1 service admissionregistration.v1.ServiceReference po
2 caBundle bytes o
m flowcontrol.v1.ExemptPriorityLevelConfiguration
1 nominalConcurrencyShares int32 po
2 lendablePercent int32 po
m flowcontrol.v1.FlowDistinguisherMethod
1 type string
m flowcontrol.v1.FlowSchema
1 metadata meta.v1.ObjectMeta o
2 spec flowcontrol.v1.FlowSchemaSpec o
3 status flowcontrol.v1.FlowSchemaStatus o
m flowcontrol.v1.FlowSchemaCondition
1 type string o
2 status string o
3 lastTransitionTime meta.v1.Time o
4 reason string o
5 message string o
m flowcontrol.v1.FlowSchemaList
1 metadata meta.v1.ListMeta o
2 items []flowcontrol.v1.FlowSchema
m flowcontrol.v1.FlowSchemaSpec
1 priorityLevelConfiguration flowcontrol.v1.PriorityLevelConfigurationReference
2 matchingPrecedence int32
3 distinguisherMethod flowcontrol.v1.FlowDistinguisherMethod po
4 rules []flowcontrol.v1.PolicyRulesWithSubjects o
m flowcontrol.v1.FlowSchemaStatus
1 conditions []flowcontrol.v1.FlowSchemaCondition o
m flowcontrol.v1.GroupSubject
1 name string
m flowcontrol.v1.LimitResponse
1 type string
2 queuing flowcontrol.v1.QueuingConfiguration po
m flowcontrol.v1.LimitedPriorityLevelConfiguration
1 nominalConcurrencyShares int32 p
2 limitResponse flowcontrol.v1.LimitResponse o
3 lendablePercent int32 po
4 borrowingLimitPercent int32 po
m flowcontrol.v1.NonResourcePolicyRule
1 verbs []string
6 nonResourceURLs []string
m flowcontrol.v1.PolicyRulesWithSubjects
1 subjects []flowcontrol.v1.Subject
2 resourceRules []flowcontrol.v1.ResourcePolicyRule o
3 nonResourceRules []flowcontrol.v1.NonResourcePolicyRule o
m flowcontrol.v1.PriorityLevelConfiguration
1 metadata meta.v1.ObjectMeta o
2 spec flowcontrol.v1.PriorityLevelConfigurationSpec o
3 status flowcontrol.v1.PriorityLevelConfigurationStatus o
m flowcontrol.v1.PriorityLevelConfigurationCondition
1 type string o
2 status string o
3 lastTransitionTime meta.v1.Time o
4 reason string o
5 message string o
m flowcontrol.v1.PriorityLevelConfigurationList
1 metadata meta.v1.ListMeta o
2 items []flowcontrol.v1.PriorityLevelConfiguration
m flowcontrol.v1.PriorityLevelConfigurationReference
1 name string
m flowcontrol.v1.PriorityLevelConfigurationSpec
1 type string
2 limited flowcontrol.v1.LimitedPriorityLevelConfiguration po
3 exempt flowcontrol.v1.ExemptPriorityLevelConfiguration po
m flowcontrol.v1.PriorityLevelConfigurationStatus
1 conditions []flowcontrol.v1.PriorityLevelConfigurationCondition o
m flowcontrol.v1.QueuingConfiguration
1 queues int32
2 handSize int32
3 queueLengthLimit int32
m flowcontrol.v1.ResourcePolicyRule
1 verbs []string
2 apiGroups []string
3 resources []string
4 clusterScope bool o
5 namespaces []string
m flowcontrol.v1.ServiceAccountSubject
1 namespace string
2 name string
m flowcontrol.v1.Subject
1 kind string
2 user flowcontrol.v1.UserSubject po
3 group flowcontrol.v1.GroupSubject po
4 serviceAccount flowcontrol.v1.ServiceAccountSubject po
m flowcontrol.v1.UserSubject
1 name string
m authentication.v1.BoundObjectReference
1 kind string o
2 apiVersion string o
3 name string o
4 uid string o
m authentication.v1.ExtraValue list
1 items []string
m authentication.v1.SelfSubjectReview
1 metadata meta.v1.ObjectMeta o
2 status authentication.v1.SelfSubjectReviewStatus o
m authentication.v1.SelfSubjectReviewStatus
1 userInfo authentication.v1.UserInfo o
m authentication.v1.TokenRequest
1 metadata meta.v1.ObjectMeta o
2 spec authentication.v1.TokenRequestSpec
3 status authentication.v1.TokenRequestStatus o
m authentication.v1.TokenRequestSpec
1 audiences []string
4 expirationSeconds int64 p
3 boundObjectRef authentication.v1.BoundObjectReference p
m authentication.v1.TokenRequestStatus
1 token string
2 expirationTimestamp meta.v1.Time
m authentication.v1.TokenReview
1 metadata meta.v1.ObjectMeta o
2 spec authentication.v1.TokenReviewSpec
3 status authentication.v1.TokenReviewStatus o
m authentication.v1.TokenReviewSpec
1 token string o
2 audiences []string o
m authentication.v1.TokenReviewStatus
1 authenticated bool o
2 user authentication.v1.UserInfo o
4 audiences []string o
3 error string o
m authentication.v1.UserInfo
1 username string o
2 uid string o
3 groups []string o
4 extra map<string,authentication.v1.ExtraValue> o
m authorization.v1.ExtraValue list
1 items []string
m authorization.v1.FieldSelectorAttributes
1 rawSelector string o
2 requirements []meta.v1.FieldSelectorRequirement o
m authorization.v1.LabelSelectorAttributes
1 rawSelector string o
2 requirements []meta.v1.LabelSelectorRequirement o
m authorization.v1.LocalSubjectAccessReview
1 metadata meta.v1.ObjectMeta o
2 spec authorization.v1.SubjectAccessReviewSpec
3 status authorization.v1.SubjectAccessReviewStatus o
m authorization.v1.NonResourceAttributes
1 path string o
2 verb string o
m authorization.v1.NonResourceRule
1 verbs []string
2 nonResourceURLs []string o
m authorization.v1.ResourceAttributes
1 namespace string o
2 verb string o
3 group string o
4 version string o
5 resource string o
6 subresource string o
7 name string o
8 fieldSelector authorization.v1.FieldSelectorAttributes po
9 labelSelector authorization.v1.LabelSelectorAttributes po
m authorization.v1.ResourceRule
1 verbs []string
2 apiGroups []string o
3 resources []string o
4 resourceNames []string o
m authorization.v1.SelfSubjectAccessReview
1 metadata meta.v1.ObjectMeta o
2 spec authorization.v1.SelfSubjectAccessReviewSpec
3 status authorization.v1.SubjectAccessReviewStatus o
m authorization.v1.SelfSubjectAccessReviewSpec
1 resourceAttributes authorization.v1.ResourceAttributes po
2 nonResourceAttributes authorization.v1.NonResourceAttributes po
m authorization.v1.SelfSubjectRulesReview
1 metadata meta.v1.ObjectMeta o
2 spec authorization.v1.SelfSubjectRulesReviewSpec
3 status authorization.v1.SubjectRulesReviewStatus o
m authorization.v1.SelfSubjectRulesReviewSpec
1 namespace string o
m authorization.v1.SubjectAccessReview
1 metadata meta.v1.ObjectMeta o
2 spec authorization.v1.SubjectAccessReviewSpec
3 status authorization.v1.SubjectAccessReviewStatus o
m authorization.v1.SubjectAccessReviewSpec
1 resourceAttributes authorization.v1.ResourceAttributes po
2 nonResourceAttributes authorization.v1.NonResourceAttributes po
3 user string o
4 groups []string o
5 extra map<string,authorization.v1.ExtraValue> o
6 uid string o
m authorization.v1.SubjectAccessReviewStatus
1 allowed bool
4 denied bool o
2 reason string o
3 evaluationError string o
m authorization.v1.SubjectRulesReviewStatus
1 resourceRules []authorization.v1.ResourceRule
2 nonResourceRules []authorization.v1.NonResourceRule
3 incomplete bool
4 evaluationError string o
m meta.v1.APIGroup
1 name string
2 versions []meta.v1.GroupVersionForDiscovery
3 preferredVersion meta.v1.GroupVersionForDiscovery o
4 serverAddressByClientCIDRs []meta.v1.ServerAddressByClientCIDR o
m meta.v1.APIGroupList
1 groups []meta.v1.APIGroup
m meta.v1.APIResource
1 name string
6 singularName string
2 namespaced bool
8 group string o
9 version string o
3 kind string
4 verbs meta.v1.Verbs
5 shortNames []string o
7 categories []string o
10 storageVersionHash string o
m meta.v1.APIResourceList
1 groupVersion string
2 resources []meta.v1.APIResource
m meta.v1.APIVersions
1 versions []string
2 serverAddressByClientCIDRs []meta.v1.ServerAddressByClientCIDR
m meta.v1.ApplyOptions
1 dryRun []string o
2 force bool
3 fieldManager string
m meta.v1.Condition
1 type string
2 status string
3 observedGeneration int64 o
4 lastTransitionTime meta.v1.Time
5 reason string
6 message string
m meta.v1.CreateOptions
1 dryRun []string o
3 fieldManager string o
4 fieldValidation string o
m meta.v1.DeleteOptions
1 gracePeriodSeconds int64 po
2 preconditions meta.v1.Preconditions po
3 orphanDependents bool po
4 propagationPolicy string po
5 dryRun []string o
6 ignoreStoreReadErrorWithClusterBreakingPotential bool po
m meta.v1.Duration duration
1 duration int64 i
m meta.v1.FieldSelectorRequirement
1 key string
2 operator string
3 values []string o
m meta.v1.FieldsV1 rawjson
1 Raw bytes
m meta.v1.GetOptions
1 resourceVersion string o
m meta.v1.GroupKind
1 group string
2 kind string
m meta.v1.GroupResource
1 group string
2 resource string
m meta.v1.GroupVersion
1 group string
2 version string
m meta.v1.GroupVersionForDiscovery
1 groupVersion string
2 version string
m meta.v1.GroupVersionKind
1 group string
2 version string
3 kind string
m meta.v1.GroupVersionResource
1 group string
2 version string
3 resource string
m meta.v1.LabelSelector
1 matchLabels map<string,string> o
2 matchExpressions []meta.v1.LabelSelectorRequirement o
m meta.v1.LabelSelectorRequirement
1 key string
2 operator string
3 values []string o
m meta.v1.List
1 metadata meta.v1.ListMeta o
2 items []runtime.RawExtension
m meta.v1.ListMeta
1 selfLink string o
2 resourceVersion string o
3 continue string o
4 remainingItemCount int64 po
5 shardInfo meta.v1.ShardInfo po
m meta.v1.ListOptions
1 labelSelector string o
2 fieldSelector string o
3 watch bool o
9 allowWatchBookmarks bool o
4 resourceVersion string o
10 resourceVersionMatch string o
5 timeoutSeconds int64 po
7 limit int64 o
8 continue string o
11 sendInitialEvents bool po
15 shardSelector string o
m meta.v1.ManagedFieldsEntry
1 manager string o
2 operation string o
3 apiVersion string o
4 time meta.v1.Time po
6 fieldsType string o
7 fieldsV1 meta.v1.FieldsV1 po
8 subresource string o
m meta.v1.MicroTime microtime
1 seconds int64
2 nanos int32
m meta.v1.ObjectMeta
1 name string o
2 generateName string o
3 namespace string o
4 selfLink string o
5 uid string o
6 resourceVersion string o
7 generation int64 o
8 creationTimestamp meta.v1.Time o
9 deletionTimestamp meta.v1.Time po
10 deletionGracePeriodSeconds int64 po
11 labels map<string,string> o
12 annotations map<string,string> o
13 ownerReferences []meta.v1.OwnerReference o
14 finalizers []string o
17 managedFields []meta.v1.ManagedFieldsEntry o
m meta.v1.OwnerReference
5 apiVersion string
1 kind string
3 name string
4 uid string
6 controller bool po
7 blockOwnerDeletion bool po
m meta.v1.PartialObjectMetadata
1 metadata meta.v1.ObjectMeta o
m meta.v1.PartialObjectMetadataList
1 metadata meta.v1.ListMeta o
2 items []meta.v1.PartialObjectMetadata
m meta.v1.Patch
m meta.v1.PatchOptions
1 dryRun []string o
2 force bool po
3 fieldManager string o
4 fieldValidation string o
m meta.v1.Preconditions
1 uid string po
2 resourceVersion string po
m meta.v1.RootPaths
1 paths []string
m meta.v1.ServerAddressByClientCIDR
1 clientCIDR string
2 serverAddress string
m meta.v1.ShardInfo
1 selector string
m meta.v1.Status
1 metadata meta.v1.ListMeta o
2 status string o
3 message string o
4 reason string o
5 details meta.v1.StatusDetails po
6 code int32 o
m meta.v1.StatusCause
1 reason string o
2 message string o
3 field string o
m meta.v1.StatusDetails
1 name string o
2 group string o
3 kind string o
6 uid string o
4 causes []meta.v1.StatusCause o
5 retryAfterSeconds int32 o
m meta.v1.TableOptions
1 includeObject string o
m meta.v1.Time time
1 seconds int64
2 nanos int32
m meta.v1.Timestamp
1 seconds int64
2 nanos int32
m meta.v1.TypeMeta
1 kind string o
2 apiVersion string o
m meta.v1.UpdateOptions
1 dryRun []string o
2 fieldManager string o
3 fieldValidation string o
m meta.v1.Verbs list
1 items []string
m meta.v1.WatchEvent
1 type string
2 object runtime.RawExtension
m resource.Quantity quantity
1 string string
m resource.QuantityValue quantity
1 string string
m intstr.IntOrString intorstring
1 type int64
2 intVal int32
3 strVal string
m runtime.RawExtension rawjson
1 raw bytes
m runtime.TypeMeta
1 apiVersion string o
2 kind string o
m runtime.Unknown
1 typeMeta runtime.TypeMeta i
3 contentEncoding string
4 contentType string
m apiextensions.v1.ConversionRequest
1 uid string
2 desiredAPIVersion string
3 objects []runtime.RawExtension
m apiextensions.v1.ConversionResponse
1 uid string
2 convertedObjects []runtime.RawExtension
3 result meta.v1.Status
m apiextensions.v1.ConversionReview
1 request apiextensions.v1.ConversionRequest po
2 response apiextensions.v1.ConversionResponse po
m apiextensions.v1.CustomResourceColumnDefinition
1 name string
2 type string
3 format string o
4 description string o
5 priority int32 o
6 jsonPath string
m apiextensions.v1.CustomResourceConversion
1 strategy string
2 webhook apiextensions.v1.WebhookConversion po
m apiextensions.v1.CustomResourceDefinition
1 metadata meta.v1.ObjectMeta o
2 spec apiextensions.v1.CustomResourceDefinitionSpec
3 status apiextensions.v1.CustomResourceDefinitionStatus o
m apiextensions.v1.CustomResourceDefinitionCondition
1 type string
2 status string
3 lastTransitionTime meta.v1.Time o
4 reason string o
5 message string o
6 observedGeneration int64 o
m apiextensions.v1.CustomResourceDefinitionList
1 metadata meta.v1.ListMeta o
2 items []apiextensions.v1.CustomResourceDefinition
m apiextensions.v1.CustomResourceDefinitionNames
1 plural string
2 singular string o
3 shortNames []string o
4 kind string
5 listKind string o
6 categories []string o
m apiextensions.v1.CustomResourceDefinitionSpec
1 group string
3 names apiextensions.v1.CustomResourceDefinitionNames
4 scope string
7 versions []apiextensions.v1.CustomResourceDefinitionVersion
9 conversion apiextensions.v1.CustomResourceConversion po
10 preserveUnknownFields bool o
m apiextensions.v1.CustomResourceDefinitionStatus
1 conditions []apiextensions.v1.CustomResourceDefinitionCondition
2 acceptedNames apiextensions.v1.CustomResourceDefinitionNames
3 storedVersions []string
4 observedGeneration int64 o
m apiextensions.v1.CustomResourceDefinitionVersion
1 name string
2 served bool
3 storage bool
7 deprecated bool o
8 deprecationWarning string po
4 schema apiextensions.v1.CustomResourceValidation po
5 subresources apiextensions.v1.CustomResourceSubresources po
6 additionalPrinterColumns []apiextensions.v1.CustomResourceColumnDefinition o
9 selectableFields []apiextensions.v1.SelectableField o
m apiextensions.v1.CustomResourceSubresourceScale
1 specReplicasPath string
2 statusReplicasPath string
3 labelSelectorPath string po
m apiextensions.v1.CustomResourceSubresourceStatus
m apiextensions.v1.CustomResourceSubresources
1 status apiextensions.v1.CustomResourceSubresourceStatus po
2 scale apiextensions.v1.CustomResourceSubresourceScale po
m apiextensions.v1.CustomResourceValidation
1 openAPIV3Schema apiextensions.v1.JSONSchemaProps po
m apiextensions.v1.ExternalDocumentation
1 description string o
2 url string o
m apiextensions.v1.JSON rawjson
1 raw bytes
m apiextensions.v1.JSONSchemaProps
1 id string o
2 $schema string o
3 $ref string po
4 description string o
5 type string o
6 format string o
7 title string o
8 default apiextensions.v1.JSON po
9 maximum double po
10 exclusiveMaximum bool o
11 minimum double po
12 exclusiveMinimum bool o
13 maxLength int64 po
14 minLength int64 po
15 pattern string o
16 maxItems int64 po
17 minItems int64 po
18 uniqueItems bool o
19 multipleOf double po
20 enum []apiextensions.v1.JSON o
21 maxProperties int64 po
22 minProperties int64 po
23 required []string o
24 items apiextensions.v1.JSONSchemaPropsOrArray po
25 allOf []apiextensions.v1.JSONSchemaProps o
26 oneOf []apiextensions.v1.JSONSchemaProps o
27 anyOf []apiextensions.v1.JSONSchemaProps o
28 not apiextensions.v1.JSONSchemaProps po
29 properties map<string,apiextensions.v1.JSONSchemaProps> o
30 additionalProperties apiextensions.v1.JSONSchemaPropsOrBool po
31 patternProperties map<string,apiextensions.v1.JSONSchemaProps> o
32 dependencies map<string,apiextensions.v1.JSONSchemaPropsOrStringArray> o
33 additionalItems apiextensions.v1.JSONSchemaPropsOrBool po
34 definitions map<string,apiextensions.v1.JSONSchemaProps> o
35 externalDocs apiextensions.v1.ExternalDocumentation po
36 example apiextensions.v1.JSON po
37 nullable bool o
38 x-kubernetes-preserve-unknown-fields bool po
39 x-kubernetes-embedded-resource bool o
40 x-kubernetes-int-or-string bool o
41 x-kubernetes-list-map-keys []string o
42 x-kubernetes-list-type string po
43 x-kubernetes-map-type string po
44 x-kubernetes-validations []apiextensions.v1.ValidationRule o
m apiextensions.v1.JSONSchemaPropsOrArray schemaorarray
1 schema apiextensions.v1.JSONSchemaProps p
2 jSONSchemas []apiextensions.v1.JSONSchemaProps
m apiextensions.v1.JSONSchemaPropsOrBool schemaorbool
1 allows bool
2 schema apiextensions.v1.JSONSchemaProps p
m apiextensions.v1.JSONSchemaPropsOrStringArray schemaorstringarray
1 schema apiextensions.v1.JSONSchemaProps p
2 property []string
m apiextensions.v1.SelectableField
1 jsonPath string
m apiextensions.v1.ServiceReference
1 namespace string
2 name string
3 path string po
4 port int32 po
m apiextensions.v1.ValidationRule
1 rule string
2 message string o
3 messageExpression string o
4 reason string po
5 fieldPath string o
6 optionalOldSelf bool po
m apiextensions.v1.WebhookClientConfig
3 url string po
1 service apiextensions.v1.ServiceReference po
2 caBundle bytes o
m apiextensions.v1.WebhookConversion
2 clientConfig apiextensions.v1.WebhookClientConfig po
3 conversionReviewVersions []string
m apiregistration.v1.APIService
1 metadata meta.v1.ObjectMeta o
2 spec apiregistration.v1.APIServiceSpec o
3 status apiregistration.v1.APIServiceStatus o
m apiregistration.v1.APIServiceCondition
1 type string
2 status string
3 lastTransitionTime meta.v1.Time o
4 reason string o
5 message string o
m apiregistration.v1.APIServiceList
1 metadata meta.v1.ListMeta o
2 items []apiregistration.v1.APIService
m apiregistration.v1.APIServiceSpec
1 service apiregistration.v1.ServiceReference po
2 group string o
3 version string o
4 insecureSkipTLSVerify bool o
5 caBundle bytes o
7 groupPriorityMinimum int32
8 versionPriority int32
m apiregistration.v1.APIServiceStatus
1 conditions []apiregistration.v1.APIServiceCondition o
m apiregistration.v1.ServiceReference
1 namespace string o
2 name string o
3 port int32 po
"""u8;
}
