using k8s.Models;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>Kinds whose PUT creates a missing object, as their upstream strategies allow.</summary>
internal sealed class CreateOnUpdateStrategy(ResourceInfo info) : GenericStrategy(info)
{
    public override bool AllowCreateOnUpdate => true;
}

internal sealed class NamespaceStrategy(ResourceInfo info) : Strategy<V1Namespace>(info)
{
    public override IReadOnlyList<string> ValidateName(string name, bool prefix) => NameValidation.ValidateNamespaceName(name, prefix);

    protected override void PrepareForCreate(V1Namespace obj)
    {
        obj.Status = new V1NamespaceStatus { Phase = "Active" };
        obj.Spec ??= new V1NamespaceSpec();
        obj.Spec.Finalizers ??= [];
        if (!obj.Spec.Finalizers.Contains("kubernetes"))
        {
            obj.Spec.Finalizers.Add("kubernetes");
        }
    }

    protected override void PrepareForUpdate(V1Namespace obj, V1Namespace old)
    {
        // Spec finalizers change only through the finalize subresource.
        obj.Spec = old.Spec;
    }

    // The namespace controller empties a namespace whose spec still names finalizers; until then it is Terminating.
    public override bool AwaitsFinalization(k8s.IKubernetesObject<V1ObjectMeta> obj)
        => obj is V1Namespace { Spec.Finalizers.Count: > 0 };

    public override void BeginDelete(k8s.IKubernetesObject<V1ObjectMeta> obj)
    {
        if (obj is V1Namespace ns)
        {
            (ns.Status ??= new V1NamespaceStatus()).Phase = "Terminating";
        }
    }

    protected override void Default(V1Namespace obj)
    {
        obj.Metadata.Labels ??= new Dictionary<string, string>();
        obj.Metadata.Labels["kubernetes.io/metadata.name"] = obj.Metadata.Name;
    }
}

internal sealed class NodeStrategy(ResourceInfo info) : GenericStrategy(info)
{
    // Kubelets register with their status: nodes keep status on create.
    public override void PrepareForCreate(k8s.IKubernetesObject<V1ObjectMeta> obj)
    {
    }
}
