using Microsoft.AspNetCore.Http;

namespace KubeNet.ApiServer.Auth;

/// <summary>The authenticated user of a request, as user.Info carries it.</summary>
internal sealed record UserInfo(string Name, IReadOnlyList<string> Groups, string? Uid = null)
{
    private const string ItemKey = "kube-net.user";

    public static UserInfo? Of(HttpContext context) => context.Items.TryGetValue(ItemKey, out var u) ? u as UserInfo : null;

    public void AttachTo(HttpContext context) => context.Items[ItemKey] = this;
}
