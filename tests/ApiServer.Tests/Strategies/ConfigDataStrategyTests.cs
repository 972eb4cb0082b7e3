using System.Text;
using k8s.Models;
using static KubeNet.ApiServer.Tests.Strategies.StrategyHarness;

namespace KubeNet.ApiServer.Tests.Strategies;

public sealed class ConfigDataStrategyTests
{
    private const string BadKey = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

    [Fact]
    public void SecretStringDataIsFoldedIntoDataAndTypeDefaultsToOpaque()
    {
        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "s" },
            Data = new Dictionary<string, byte[]> { ["a"] = Encoding.UTF8.GetBytes("old"), ["b"] = Encoding.UTF8.GetBytes("keep") },
            StringData = new Dictionary<string, string> { ["a"] = "new", ["c"] = "added" },
        };

        Assert.Empty(Create(For("", "v1", "secrets"), secret));
        Assert.Null(secret.StringData);
        Assert.Equal("Opaque", secret.Type);
        Assert.Equal("new", Encoding.UTF8.GetString(secret.Data["a"]));
        Assert.Equal("keep", Encoding.UTF8.GetString(secret.Data["b"]));
        Assert.Equal("added", Encoding.UTF8.GetString(secret.Data["c"]));
    }

    [Fact]
    public void SecretKeysMustBeConfigKeys()
    {
        var secret = new V1Secret { Metadata = new V1ObjectMeta { Name = "s" }, StringData = new Dictionary<string, string> { ["bad key"] = "x" } };
        Assert.Equal([$"data[bad key]: Invalid value: \"bad key\": {BadKey}"], Create(For("", "v1", "secrets"), secret));
    }

    [Fact]
    public void SecretOverOneMebibyteIsTooLong()
    {
        var secret = new V1Secret { Metadata = new V1ObjectMeta { Name = "s" }, Data = new Dictionary<string, byte[]> { ["big"] = new byte[(1024 * 1024) + 1] } };
        Assert.Equal(["data: Too long: must have at most 1048576 bytes"], Create(For("", "v1", "secrets"), secret));
    }

    [Fact]
    public void TypedSecretsNeedTheirKeys()
    {
        var tls = new V1Secret { Metadata = new V1ObjectMeta { Name = "s" }, Type = "kubernetes.io/tls", StringData = new Dictionary<string, string> { ["tls.crt"] = "x" } };
        Assert.Equal(["data[tls.key]: Required value"], Create(For("", "v1", "secrets"), tls));

        var token = new V1Secret { Metadata = new V1ObjectMeta { Name = "s" }, Type = "kubernetes.io/service-account-token" };
        Assert.Equal(["metadata.annotations[kubernetes.io/service-account.name]: Required value"], Create(For("", "v1", "secrets"), token));

        var docker = new V1Secret { Metadata = new V1ObjectMeta { Name = "s" }, Type = "kubernetes.io/dockerconfigjson" };
        Assert.Equal(["data[.dockerconfigjson]: Required value"], Create(For("", "v1", "secrets"), docker));
    }

    [Fact]
    public void ImmutableSecretRejectsDataChangesAndTypeIsImmutable()
    {
        var strategy = For("", "v1", "secrets");
        var old = new V1Secret { Metadata = new V1ObjectMeta { Name = "s" }, Immutable = true, StringData = new Dictionary<string, string> { ["a"] = "1" } };
        Create(strategy, old);

        var changed = Clone(old);
        changed.StringData = new Dictionary<string, string> { ["a"] = "2" };
        Assert.Equal(["data: Forbidden: field is immutable when `immutable` is set"], Update(strategy, changed, old));

        var unfrozen = Clone(old);
        unfrozen.Immutable = false;
        Assert.Equal(["immutable: Forbidden: field is immutable when `immutable` is set"], Update(strategy, unfrozen, old));

        var same = Clone(old);
        Assert.Empty(Update(strategy, same, old));

        var retyped = Clone(old);
        retyped.Type = "kubernetes.io/basic-auth";
        retyped.StringData = new Dictionary<string, string> { ["username"] = "u" };
        Assert.Contains("type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable", Update(strategy, retyped, old));
    }

    [Fact]
    public void ConfigMapKeysSizeAndDuplicates()
    {
        var strategy = For("", "v1", "configmaps");
        var cm = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "c" },
            Data = new Dictionary<string, string> { ["ok"] = "1", ["dup"] = "x", ["bad/key"] = "y" },
            BinaryData = new Dictionary<string, byte[]> { ["dup"] = [1] },
        };
        Assert.Equal(
            ["data[dup]: Invalid value: \"dup\": duplicate of key present in binaryData", $"data[bad/key]: Invalid value: \"bad/key\": {BadKey}"],
            Create(strategy, cm));

        var big = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["big"] = new string('x', (1024 * 1024) + 1) } };
        Assert.Equal(["Too long: must have at most 1048576 bytes"], Create(strategy, big));
    }

    [Fact]
    public void ImmutableConfigMapRejectsDataAndBinaryDataChanges()
    {
        var strategy = For("", "v1", "configmaps");
        var old = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" }, Immutable = true, Data = new Dictionary<string, string> { ["a"] = "1" } };
        var changed = Clone(old);
        changed.Data["a"] = "2";
        changed.BinaryData = new Dictionary<string, byte[]> { ["b"] = [1] };
        Assert.Equal(
            ["data: Forbidden: field is immutable when `immutable` is set", "binaryData: Forbidden: field is immutable when `immutable` is set"],
            Update(strategy, changed, old));

        var mutable = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["a"] = "1" } };
        var edited = Clone(mutable);
        edited.Data["a"] = "2";
        edited.Immutable = true;
        Assert.Empty(Update(strategy, edited, mutable));
    }
}
