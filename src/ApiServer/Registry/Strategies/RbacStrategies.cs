using k8s;
using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/apis/rbac/validation for Roles and ClusterRoles: every rule needs verbs and either resources or URLs.</summary>
internal sealed class RoleStrategy(ResourceInfo info) : GenericStrategy(info)
{
    public override IReadOnlyList<string> ValidateName(string name, bool prefix) => NameValidation.IsValidPathSegmentName(name);

    public override void Validate(IKubernetesObject<V1ObjectMeta> obj, List<FieldError> errors)
    {
        var (rules, namespaced) = obj switch
        {
            V1Role role => (role.Rules, true),
            V1ClusterRole clusterRole => (clusterRole.Rules, false),
            _ => (null, false),
        };
        for (var i = 0; i < (rules?.Count ?? 0); i++)
        {
            Rule(rules![i], namespaced, $"rules[{i}]", errors);
        }
    }

    private static void Rule(V1PolicyRule rule, bool namespaced, string path, List<FieldError> errors)
    {
        if (rule.Verbs is null || rule.Verbs.Count == 0)
        {
            errors.Add(FieldError.Required(path + ".verbs", "verbs must contain at least one value"));
        }

        if (rule.NonResourceURLs is { Count: > 0 } urls)
        {
            var value = new GoValue(GoValue.StringSlice(urls));
            if (namespaced)
            {
                errors.Add(FieldError.Invalid(path + ".nonResourceURLs", value, "namespaced rules cannot apply to non-resource URLs"));
            }

            if (rule.ApiGroups is { Count: > 0 } || rule.Resources is { Count: > 0 } || rule.ResourceNames is { Count: > 0 })
            {
                errors.Add(FieldError.Invalid(path + ".nonResourceURLs", value, "rules cannot apply to both regular resources and non-resource URLs"));
            }

            return;
        }

        if (rule.ApiGroups is null || rule.ApiGroups.Count == 0)
        {
            errors.Add(FieldError.Required(path + ".apiGroups", "resource rules must supply at least one api group"));
        }

        if (rule.Resources is null || rule.Resources.Count == 0)
        {
            errors.Add(FieldError.Required(path + ".resources", "resource rules must supply at least one resource"));
        }
    }
}

/// <summary>RoleBindings and ClusterRoleBindings: a valid roleRef that never changes, and well-formed subjects.</summary>
internal sealed class RoleBindingStrategy(ResourceInfo info) : GenericStrategy(info)
{
    private const string RbacGroup = "rbac.authorization.k8s.io";

    public override IReadOnlyList<string> ValidateName(string name, bool prefix) => NameValidation.IsValidPathSegmentName(name);

    private static (V1RoleRef? Ref, IList<Rbacv1Subject>? Subjects, bool Namespaced) Parts(IKubernetesObject<V1ObjectMeta> obj) => obj switch
    {
        V1RoleBinding b => (b.RoleRef, b.Subjects, true),
        V1ClusterRoleBinding b => (b.RoleRef, b.Subjects, false),
        _ => (null, null, false),
    };

    public override void Default(IKubernetesObject<V1ObjectMeta> obj)
    {
        var (roleRef, subjects, _) = Parts(obj);
        if (roleRef is not null && string.IsNullOrEmpty(roleRef.ApiGroup))
        {
            roleRef.ApiGroup = RbacGroup;
        }

        foreach (var s in subjects ?? [])
        {
            if (string.IsNullOrEmpty(s.ApiGroup) && s.Kind is "User" or "Group")
            {
                s.ApiGroup = RbacGroup;
            }
        }
    }

    public override void Validate(IKubernetesObject<V1ObjectMeta> obj, List<FieldError> errors)
    {
        var (roleRef, subjects, namespaced) = Parts(obj);
        roleRef ??= new V1RoleRef();
        if (roleRef.ApiGroup != RbacGroup)
        {
            errors.Add(FieldError.NotSupported("roleRef.apiGroup", roleRef.ApiGroup ?? string.Empty, [RbacGroup]));
        }

        string[] kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
        if (!kinds.Contains(roleRef.Kind))
        {
            errors.Add(FieldError.NotSupported("roleRef.kind", roleRef.Kind ?? string.Empty, kinds));
        }

        if (string.IsNullOrEmpty(roleRef.Name))
        {
            errors.Add(FieldError.Required("roleRef.name"));
        }
        else
        {
            foreach (var msg in NameValidation.IsValidPathSegmentName(roleRef.Name))
            {
                errors.Add(FieldError.Invalid("roleRef.name", roleRef.Name, msg));
            }
        }

        for (var i = 0; i < (subjects?.Count ?? 0); i++)
        {
            Subject(subjects![i], namespaced, $"subjects[{i}]", errors);
        }
    }

    private static void Subject(Rbacv1Subject subject, bool namespaced, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(subject.Name))
        {
            errors.Add(FieldError.Required(path + ".name"));
        }

        switch (subject.Kind)
        {
            case "ServiceAccount":
                if (!string.IsNullOrEmpty(subject.Name))
                {
                    foreach (var msg in NameValidation.NameIsDnsSubdomain(subject.Name, prefix: false))
                    {
                        errors.Add(FieldError.Invalid(path + ".name", subject.Name, msg));
                    }
                }

                if (!string.IsNullOrEmpty(subject.ApiGroup))
                {
                    errors.Add(FieldError.NotSupported(path + ".apiGroup", subject.ApiGroup, [string.Empty]));
                }

                if (!namespaced && string.IsNullOrEmpty(subject.NamespaceProperty))
                {
                    errors.Add(FieldError.Required(path + ".namespace"));
                }

                break;
            case "User" or "Group":
                if (subject.ApiGroup != RbacGroup)
                {
                    errors.Add(FieldError.NotSupported(path + ".apiGroup", subject.ApiGroup ?? string.Empty, [RbacGroup]));
                }

                break;
            default:
                errors.Add(FieldError.NotSupported(path + ".kind", subject.Kind ?? string.Empty, ["ServiceAccount", "User", "Group"]));
                break;
        }
    }

    public override void ValidateUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, List<FieldError> errors)
    {
        var roleRef = Parts(obj).Ref ?? new V1RoleRef();
        if (!CommonValidation.JsonEqual(roleRef, Parts(old).Ref))
        {
            var value = new GoValue($"rbac.RoleRef{{APIGroup:{GoText.Quote(roleRef.ApiGroup ?? string.Empty)}, Kind:{GoText.Quote(roleRef.Kind ?? string.Empty)}, Name:{GoText.Quote(roleRef.Name ?? string.Empty)}}}");
            errors.Add(FieldError.Invalid("roleRef", value, "cannot change roleRef"));
        }
    }
}
