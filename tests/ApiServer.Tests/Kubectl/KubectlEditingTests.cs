using k8s;
using KubeNet.ApiServer.Tests.Infrastructure;

namespace KubeNet.ApiServer.Tests.Kubectl;

/// <summary>The imperative changers: edit, replace, patch (default strategic), set image, set env, scale.</summary>
[Collection(ClusterCollection.Name)]
public sealed class KubectlEditingTests(ClusterFixture cluster)
{
    private async Task<string> DeploymentAsync(string prefix)
    {
        var ns = await cluster.CreateNamespaceAsync(prefix);
        await cluster.KubectlOkAsync("apply", "-f", await cluster.WriteManifestAsync($$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: app
              namespace: {{ns}}
            spec:
              replicas: 1
              selector:
                matchLabels: {app: app}
              template:
                metadata:
                  labels: {app: app}
                spec:
                  containers:
                  - name: main
                    image: nginx:old
                    env:
                    - name: MODE
                      value: blue
                  - name: side
                    image: busybox:1.36
            """));
        return ns;
    }

    [Fact]
    public async Task Edit_with_a_non_interactive_editor_saves_the_change()
    {
        var ns = await DeploymentAsync("edit");
        var before = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);

        // kubectl runs EDITOR (split on spaces) on a temporary YAML file of the object; KUBE_EDITOR would win, so it is unset.
        var edited = await cluster.KubectlWithEnvironmentAsync(
            new Dictionary<string, string?> { ["KUBE_EDITOR"] = null, ["EDITOR"] = "sed -i -e s/nginx:old/nginx:new/ -e s/blue/green/" },
            "-n", ns, "edit", "deployment", "app");
        Assert.True(edited.ExitCode == 0, edited.ToString());
        Assert.Equal("deployment.apps/app edited\n", edited.StdOut);

        var after = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
        var main = after.Spec.Template.Spec.Containers.Single(c => c.Name == "main");
        Assert.Equal(("nginx:new", "green"), (main.Image, main.Env.Single().Value));
        Assert.Equal("busybox:1.36", after.Spec.Template.Spec.Containers.Single(c => c.Name == "side").Image);
        Assert.Equal(before.Metadata.Generation + 1, after.Metadata.Generation);

        // An editor that changes nothing: kubectl says so and writes nothing.
        var untouched = await cluster.KubectlWithEnvironmentAsync(new Dictionary<string, string?> { ["KUBE_EDITOR"] = null, ["EDITOR"] = "true" }, "-n", ns, "edit", "deployment", "app");
        Assert.True(untouched.ExitCode == 0, untouched.ToString());
        Assert.Equal("Edit cancelled, no changes made.\n", untouched.StdErr);
        Assert.Equal(after.Metadata.ResourceVersion, (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns)).Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Replace_from_a_file_swaps_the_whole_spec()
    {
        var ns = await DeploymentAsync("replace");
        var yaml = await cluster.KubectlOkAsync("-n", ns, "get", "deployment", "app", "-o", "yaml");
        var changed = yaml.Replace("replicas: 1", "replicas: 4", StringComparison.Ordinal).Replace("image: busybox:1.36", "image: busybox:1.37", StringComparison.Ordinal);
        Assert.NotEqual(yaml, changed);

        Assert.Equal("deployment.apps/app replaced\n", await cluster.KubectlOkAsync("replace", "-f", await cluster.WriteManifestAsync(changed)));
        var after = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
        Assert.Equal(4, after.Spec.Replicas);
        Assert.Equal("busybox:1.37", after.Spec.Template.Spec.Containers.Single(c => c.Name == "side").Image);

        // The file still carries the old resourceVersion: a second replace is a conflict, as upstream.
        var stale = await cluster.KubectlAsync("replace", "-f", await cluster.WriteManifestAsync(changed));
        Assert.Equal(1, stale.ExitCode);
        Assert.Contains("Operation cannot be fulfilled on deployments.apps \"app\": the object has been modified; please apply your changes to the latest version and try again", stale.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_default_strategic_merges_containers_by_name_and_deletes_with_patch_directive()
    {
        var ns = await DeploymentAsync("smp");
        Assert.Equal("deployment.apps/app patched\n", await cluster.KubectlOkAsync(
            "-n", ns, "patch", "deployment", "app", "-p", """{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox:1.37"}]}}}}"""));
        var patched = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
        Assert.Equal(["main=nginx:old", "side=busybox:1.37"], patched.Spec.Template.Spec.Containers.Select(c => $"{c.Name}={c.Image}"));

        await cluster.KubectlOkAsync("-n", ns, "patch", "deployment", "app", "-p", """{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}""");
        Assert.Equal(["main"], (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns)).Spec.Template.Spec.Containers.Select(c => c.Name));

        // A patch that changes nothing: kubectl reports "patched (no change)".
        Assert.Equal("deployment.apps/app patched (no change)\n", await cluster.KubectlOkAsync(
            "-n", ns, "patch", "deployment", "app", "-p", """{"spec":{"replicas":1}}"""));
    }

    [Fact]
    public async Task Set_image_set_env_and_scale_change_the_stored_deployment()
    {
        var ns = await DeploymentAsync("set");

        Assert.Equal("deployment.apps/app image updated\n", await cluster.KubectlOkAsync("-n", ns, "set", "image", "deployment/app", "main=nginx:1.28", "side=busybox:1.37"));
        Assert.Equal("deployment.apps/app env updated\n", await cluster.KubectlOkAsync("-n", ns, "set", "env", "deployment/app", "-c", "main", "FOO=bar", "MODE-"));
        Assert.Equal("deployment.apps/app env updated\n", await cluster.KubectlOkAsync("-n", ns, "set", "env", "deployment/app", "-c", "side", "ONLY_SIDE=1"));
        Assert.Equal("deployment.apps/app scaled\n", await cluster.KubectlOkAsync("-n", ns, "scale", "deployment/app", "--replicas=3"));

        var after = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
        var containers = after.Spec.Template.Spec.Containers.ToDictionary(c => c.Name);
        Assert.Equal(3, after.Spec.Replicas);
        Assert.Equal(("nginx:1.28", "busybox:1.37"), (containers["main"].Image, containers["side"].Image));
        Assert.Equal(["FOO=bar"], containers["main"].Env.Select(e => $"{e.Name}={e.Value}"));
        Assert.Equal(["ONLY_SIDE=1"], containers["side"].Env.Select(e => $"{e.Name}={e.Value}"));

        // `set env --list` reads back what is stored.
        Assert.Equal("# Deployment app, container main\nFOO=bar\n", await cluster.KubectlOkAsync("-n", ns, "set", "env", "deployment/app", "-c", "main", "--list"));

        // scale --current-replicas is a precondition: a mismatch changes nothing.
        var mismatch = await cluster.KubectlAsync("-n", ns, "scale", "deployment/app", "--current-replicas=7", "--replicas=1");
        Assert.Equal(1, mismatch.ExitCode);
        Assert.Contains("error: Expected replicas to be 7, was 3", mismatch.StdErr, StringComparison.Ordinal);
        Assert.Equal(3, (await cluster.Client.AppsV1.ReadNamespacedDeploymentScaleAsync("app", ns)).Spec.Replicas);
    }
}
