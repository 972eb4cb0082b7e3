namespace KubeNet.ApiMachinery.Tests.Protobuf;

/// <summary>
/// Request bodies stock kubectl v1.32.4 sent (Content-Type: application/vnd.kubernetes.protobuf) to a loopback
/// listener, each with the JSON the same command prints with --dry-run=client -o json: Go's own encoding of the
/// same object, which the transcoded body must equal (nulls aside). TokenRequest has no dry-run form.
/// </summary>
internal static class KubectlCaptures
{
    public static TheoryData<string> Names { get; } =
    [
        nameof(ConfigMap),
        nameof(SecretGeneric),
        nameof(Deployment),
        nameof(Namespace),
        nameof(ServiceClusterIp),
        nameof(Job),
        nameof(CronJob),
        nameof(ResourceQuota),
        nameof(PriorityClass),
        nameof(PodDisruptionBudget),
        nameof(Ingress),
        nameof(ServiceAccount),
        nameof(ClusterRoleBinding),
        nameof(RoleBinding),
        nameof(SecretDockerRegistry),
        nameof(Role),
    ];

    // kubectl create configmap cm1 --from-literal=b=2 --from-literal=a=1 --from-file=blob=bin.dat (bin.dat = 00 ff fe 01 "k8s")
    public static byte[] ConfigMap { get; } = Convert.FromBase64String(
        "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEjYKEwoDY20xEgAaACIAKgAyADgAQgASBgoBYRIBMRIGCgFiEgEyGg8KBGJsb2ISBwD//gFr"
        + "OHMaACIA");

    // kubectl create secret generic s1 --from-literal=user=admin --from-file=key=bin.dat --type=Opaque
    public static byte[] SecretGeneric { get; } = Convert.FromBase64String(
        "azhzAAoMCgJ2MRIGU2VjcmV0EjsKEgoCczESABoAIgAqADIAOABCABIOCgNrZXkSBwD//gFrOHMSDQoEdXNlchIFYWRtaW4aBk9w"
        + "YXF1ZRoAIgA=");

    // kubectl create deployment web --image=nginx:1.27 --image=busybox --replicas=3 --port=8080 -n team
    public static byte[] Deployment { get; } = Convert.FromBase64String(
        "azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EusBCiMKA3dlYhIAGgR0ZWFtIgAqADIAOABCAFoKCgNhcHASA3dlYhK1AQgDEgwK"
        + "CgoDYXBwEgN3ZWIamgEKHAoAEgAaACIAKgAyADgAQgBaCgoDYXBwEgN3ZWISehI0CgVuZ2lueBIKbmdpbng6MS4yNyoAMgsKABAA"
        + "GJA/IgAqAEIAagByAIABAIgBAJABAKIBABImCgdidXN5Ym94EgdidXN5Ym94KgBCAGoAcgCAAQCIAQCQAQCiAQAaADIAQgBKAFIA"
        + "WABgAGgAggEAigEAmgEAwgEAIgIKACgAOAAaDAgAEAAYACAAKAA4ABoAIgA=");

    // kubectl create namespace team
    public static byte[] Namespace { get; } = Convert.FromBase64String(
        "azhzAAoPCgJ2MRIJTmFtZXNwYWNlEhwKFAoEdGVhbRIAGgAiACoAMgA4AEIAEgAaAgoAGgAiAA==");

    // kubectl create service clusterip svc --tcp=80:8080 --tcp=443:https
    public static byte[] ServiceClusterIp { get; } = Convert.FromBase64String(
        "azhzAAoNCgJ2MRIHU2VydmljZRKNAQofCgNzdmMSABoAIgAqADIAOABCAFoKCgNhcHASA3N2YxJmChsKBzgwLTgwODASA1RDUBhQ"
        + "IgcIABCQPxoAKAAKIgoJNDQzLWh0dHBzEgNUQ1AYuwMiCwgBEAAaBWh0dHBzKAASCgoDYXBwEgNzdmMaACIJQ2x1c3RlcklQOgBC"
        + "AFIAWgBgAGgAGgIKABoAIgA=");

    // kubectl create job j1 --image=busybox -- echo hi
    public static byte[] Job { get; } = Convert.FromBase64String(
        "azhzAAoPCghiYXRjaC92MRIDSm9iEoQBChIKAmoxEgAaACIAKgAyADgAQgASZDJiChAKABIAGgAiACoAMgA4AEIAEk4SKwoCajES"
        + "B2J1c3lib3gaBGVjaG8aAmhpKgBCAGoAcgCAAQCIAQCQAQCiAQAaBU5ldmVyMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAaCCAA"
        + "KAAwADoAGgAiAA==");

    // kubectl create cronjob cj --image=busybox --schedule='*/5 * * * *' -- date
    public static byte[] CronJob { get; } = Convert.FromBase64String(
        "azhzAAoTCghiYXRjaC92MRIHQ3JvbkpvYhKkAQoSCgJjahIAGgAiACoAMgA4AEIAEosBCgsqLzUgKiAqICogKhoAKnoKEgoCY2oS"
        + "ABoAIgAqADIAOABCABJkMmIKEAoAEgAaACIAKgAyADgAQgASThInCgJjahIHYnVzeWJveBoEZGF0ZSoAQgBqAHIAgAEAiAEAkAEA"
        + "ogEAGglPbkZhaWx1cmUyAEIASgBSAFgAYABoAIIBAIoBAJoBAMIBABoAGgAiAA==");

    // kubectl create quota q --hard=cpu=2,memory=1Gi,pods=10
    public static byte[] ResourceQuota { get; } = Convert.FromBase64String(
        "azhzAAoTCgJ2MRINUmVzb3VyY2VRdW90YRJCChEKAXESABoAIgAqADIAOABCABIrCgoKA2NwdRIDCgEyCg8KBm1lbW9yeRIFCgMx"
        + "R2kKDAoEcG9kcxIECgIxMBoAGgAiAA==");

    // kubectl create priorityclass high --value=1000 --description=hi
    public static byte[] PriorityClass { get; } = Convert.FromBase64String(
        "azhzAAolChRzY2hlZHVsaW5nLms4cy5pby92MRINUHJpb3JpdHlDbGFzcxI1ChQKBGhpZ2gSABoAIgAqADIAOABCABDoBxgAIgJo"
        + "aSoUUHJlZW1wdExvd2VyUHJpb3JpdHkaACIA");

    // kubectl create pdb pdb1 --selector=app=web --min-available=50%
    public static byte[] PodDisruptionBudget { get; } = Convert.FromBase64String(
        "azhzAAogCglwb2xpY3kvdjESE1BvZERpc3J1cHRpb25CdWRnZXQSPQoUCgRwZGIxEgAaACIAKgAyADgAQgASGQoJCAEQABoDNTAl"
        + "EgwKCgoDYXBwEgN3ZWIaCggAGAAgACgAMAAaACIA");

    // kubectl create ingress ing --rule='foo.com/bar*=svc:8080'
    public static byte[] Ingress { get; } = Convert.FromBase64String(
        "azhzAAofChRuZXR3b3JraW5nLms4cy5pby92MRIHSW5ncmVzcxJKChMKA2luZxIAGgAiACoAMgA4AEIAEi8aLQoHZm9vLmNvbRIi"
        + "CiAKHgoEL2JhchIOIgwKA3N2YxIFCgAQkD8aBlByZWZpeBoCCgAaACIA");

    // kubectl create serviceaccount sa1
    public static byte[] ServiceAccount { get; } = Convert.FromBase64String(
        "azhzAAoUCgJ2MRIOU2VydmljZUFjY291bnQSFQoTCgNzYTESABoAIgAqADIAOABCABoAIgA=");

    // kubectl create clusterrolebinding crb --clusterrole=view --user=alice
    public static byte[] ClusterRoleBinding { get; } = Convert.FromBase64String(
        "azhzAAoyChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEhJDbHVzdGVyUm9sZUJpbmRpbmcScQoTCgNjcmISABoAIgAqADIA"
        + "OABCABIqCgRVc2VyEhlyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvGgVhbGljZSIAGi4KGXJiYWMuYXV0aG9yaXphdGlvbi5rOHMu"
        + "aW8SC0NsdXN0ZXJSb2xlGgR2aWV3GgAiAA==");

    // kubectl create rolebinding rb --clusterrole=view --serviceaccount=default:sa1
    public static byte[] RoleBinding { get; } = Convert.FromBase64String(
        "azhzAAorChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEgtSb2xlQmluZGluZxJmChIKAnJiEgAaACIAKgAyADgAQgASIAoO"
        + "U2VydmljZUFjY291bnQSABoDc2ExIgdkZWZhdWx0Gi4KGXJiYWMuYXV0aG9yaXphdGlvbi5rOHMuaW8SC0NsdXN0ZXJSb2xlGgR2"
        + "aWV3GgAiAA==");

    // kubectl create secret docker-registry reg --docker-server=r.io --docker-username=u --docker-password=p
    public static byte[] SecretDockerRegistry { get; } = Convert.FromBase64String(
        "azhzAAoMCgJ2MRIGU2VjcmV0EowBChMKA3JlZxIAGgAiACoAMgA4AEIAElUKES5kb2NrZXJjb25maWdqc29uEkB7ImF1dGhzIjp7"
        + "InIuaW8iOnsidXNlcm5hbWUiOiJ1IiwicGFzc3dvcmQiOiJwIiwiYXV0aCI6ImRUcHcifX19Gh5rdWJlcm5ldGVzLmlvL2RvY2tl"
        + "cmNvbmZpZ2pzb24aACIA");

    // kubectl create token sa1 --duration=1h --audience=api
    public static byte[] TokenRequest { get; } = Convert.FromBase64String(
        "azhzAAooChhhdXRoZW50aWNhdGlvbi5rOHMuaW8vdjESDFRva2VuUmVxdWVzdBIiChAKABIAGgAiACoAMgA4AEIAEggKA2FwaSCQ"
        + "HBoECgASABoAIgA=");

    // kubectl create role r1 --verb=get --verb=list --resource=pods
    public static byte[] Role { get; } = Convert.FromBase64String(
        "azhzAAokChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEgRSb2xlEikKEgoCcjESABoAIgAqADIAOABCABITCgNnZXQKBGxp"
        + "c3QSABoEcG9kcxoAIgA=");

    public static string ExpectedJson(string name) => name switch
    {
        nameof(ConfigMap) =>
            """{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm1","creationTimestamp":null},"data":{"a":"1","b":"2"},"binaryData":{"blob":"AP/+AWs4cw=="}}""",
        nameof(SecretGeneric) =>
            """{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s1","creationTimestamp":null},"data":{"key":"AP/+AWs4cw==","user":"YWRtaW4="},"type":"Opaque"}""",
        nameof(Deployment) =>
            """{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"team","creationTimestamp":null,"labels":{"app":"web"}},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":8080}],"resources":{}},{"name":"busybox","image":"busybox","resources":{}}]}},"strategy":{}},"status":{}}""",
        nameof(Namespace) =>
            """{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"team","creationTimestamp":null},"spec":{},"status":{}}""",
        nameof(ServiceClusterIp) =>
            """{"kind":"Service","apiVersion":"v1","metadata":{"name":"svc","creationTimestamp":null,"labels":{"app":"svc"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080},{"name":"443-https","protocol":"TCP","port":443,"targetPort":"https"}],"selector":{"app":"svc"},"type":"ClusterIP"},"status":{"loadBalancer":{}}}""",
        nameof(Job) =>
            """{"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"j1","creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"j1","image":"busybox","command":["echo","hi"],"resources":{}}],"restartPolicy":"Never"}}},"status":{}}""",
        nameof(CronJob) =>
            """{"kind":"CronJob","apiVersion":"batch/v1","metadata":{"name":"cj","creationTimestamp":null},"spec":{"schedule":"*/5 * * * *","jobTemplate":{"metadata":{"name":"cj","creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"cj","image":"busybox","command":["date"],"resources":{}}],"restartPolicy":"OnFailure"}}}}},"status":{}}""",
        nameof(ResourceQuota) =>
            """{"kind":"ResourceQuota","apiVersion":"v1","metadata":{"name":"q","creationTimestamp":null},"spec":{"hard":{"cpu":"2","memory":"1Gi","pods":"10"}},"status":{}}""",
        nameof(PriorityClass) =>
            """{"kind":"PriorityClass","apiVersion":"scheduling.k8s.io/v1","metadata":{"name":"high","creationTimestamp":null},"value":1000,"description":"hi","preemptionPolicy":"PreemptLowerPriority"}""",
        nameof(PodDisruptionBudget) =>
            """{"kind":"PodDisruptionBudget","apiVersion":"policy/v1","metadata":{"name":"pdb1","creationTimestamp":null},"spec":{"minAvailable":"50%","selector":{"matchLabels":{"app":"web"}}},"status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}}""",
        nameof(Ingress) =>
            """{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"ing","creationTimestamp":null},"spec":{"rules":[{"host":"foo.com","http":{"paths":[{"path":"/bar","pathType":"Prefix","backend":{"service":{"name":"svc","port":{"number":8080}}}}]}}]},"status":{"loadBalancer":{}}}""",
        nameof(ServiceAccount) =>
            """{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"sa1","creationTimestamp":null}}""",
        nameof(ClusterRoleBinding) =>
            """{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"crb","creationTimestamp":null},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}}""",
        nameof(RoleBinding) =>
            """{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rb","creationTimestamp":null},"subjects":[{"kind":"ServiceAccount","name":"sa1","namespace":"default"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}}""",
        nameof(SecretDockerRegistry) =>
            """{"kind":"Secret","apiVersion":"v1","metadata":{"name":"reg","creationTimestamp":null},"data":{".dockerconfigjson":"eyJhdXRocyI6eyJyLmlvIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ=="},"type":"kubernetes.io/dockerconfigjson"}""",
        nameof(Role) =>
            """{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"r1","creationTimestamp":null},"rules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["pods"]}]}""",
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
