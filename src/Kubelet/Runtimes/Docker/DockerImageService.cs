using System.Globalization;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Grpc.Core;
using KubeNet.Kubelet.Cri.V1;
using DockerAuth = Docker.DotNet.Models.AuthConfig;

namespace KubeNet.Kubelet.Runtimes.Docker;

/// <summary>The CRI image service over Docker's image store. Image ids are Docker's (sha256:...), the same in every call.</summary>
internal sealed class DockerImageService(IDockerClient docker) : ImageService.ImageServiceBase
{
    public override async Task<ListImagesResponse> ListImages(ListImagesRequest request, ServerCallContext context)
    {
        var response = new ListImagesResponse();
        var wanted = request.Filter?.Image?.Image;
        if (!string.IsNullOrEmpty(wanted))
        {
            var one = await InspectOrNullAsync(wanted, context.CancellationToken);
            if (one is not null)
            {
                response.Images.Add(ToCri(one));
            }

            return response;
        }

        var images = await Guard(() => docker.Images.ListImagesAsync(new ImagesListParameters { All = false }, context.CancellationToken));
        foreach (var i in images)
        {
            var image = new Image { Id = i.ID, Size = (ulong)Math.Max(i.Size, 1) };
            image.RepoTags.AddRange((i.RepoTags ?? []).Where(t => t != "<none>:<none>"));
            image.RepoDigests.AddRange((i.RepoDigests ?? []).Where(d => d != "<none>@<none>"));
            response.Images.Add(image);
        }

        return response;
    }

    public override async Task<ImageStatusResponse> ImageStatus(ImageStatusRequest request, ServerCallContext context)
    {
        var found = await InspectOrNullAsync(request.Image?.Image ?? string.Empty, context.CancellationToken);
        return new ImageStatusResponse { Image = found is null ? null : ToCri(found) };
    }

    public override async Task<PullImageResponse> PullImage(PullImageRequest request, ServerCallContext context)
    {
        var reference = request.Image?.Image ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "image is required"));
        var (name, tag) = SplitReference(reference);
        DockerAuth? auth = request.Auth is { } a
            ? new DockerAuth { Username = a.Username, Password = a.Password, Auth = a.Auth, ServerAddress = a.ServerAddress, IdentityToken = a.IdentityToken, RegistryToken = a.RegistryToken }
            : null;
        string? failure = null;
        var progress = new Progress<JSONMessage>(m =>
        {
            if (m.Error is not null || !string.IsNullOrEmpty(m.ErrorMessage))
            {
                failure = m.ErrorMessage ?? m.Error?.Message;
            }
        });
        try
        {
            await docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = name, Tag = tag }, auth!, progress, context.CancellationToken);
        }
        catch (DockerApiException e)
        {
            throw new RpcException(new Status(StatusCode.Unknown, $"failed to pull image \"{reference}\": {Message(e)}"));
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"docker is unreachable: {e.Message}"));
        }

        var pulled = await InspectOrNullAsync(reference, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.Unknown, $"failed to pull image \"{reference}\": {failure ?? "not found after pull"}"));
        return new PullImageResponse { ImageRef = pulled.ID };
    }

    public override async Task<RemoveImageResponse> RemoveImage(RemoveImageRequest request, ServerCallContext context)
    {
        try
        {
            await docker.Images.DeleteImageAsync(request.Image?.Image ?? string.Empty, new ImageDeleteParameters { Force = true }, context.CancellationToken);
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (DockerApiException e)
        {
            throw new RpcException(new Status(StatusCode.Unknown, Message(e)));
        }

        return new RemoveImageResponse();
    }

    public override async Task<ImageFsInfoResponse> ImageFsInfo(ImageFsInfoRequest request, ServerCallContext context)
    {
        var info = await Guard(() => docker.System.GetSystemInfoAsync(context.CancellationToken));
        var images = await Guard(() => docker.Images.ListImagesAsync(new ImagesListParameters(), context.CancellationToken));
        var used = images.Sum(i => Math.Max(i.Size, 0));
        var now = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        var usage = new FilesystemUsage
        {
            Timestamp = now,
            FsId = new FilesystemIdentifier { Mountpoint = info.DockerRootDir ?? "/var/lib/docker" },
            UsedBytes = new UInt64Value { Value = (ulong)used },
            InodesUsed = new UInt64Value { Value = 0 },
        };
        return new ImageFsInfoResponse { ImageFilesystems = { usage } };
    }

    /// <summary>name:tag or name@digest; a reference without either means :latest, as Docker pulls it.</summary>
    public static (string Name, string Tag) SplitReference(string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            return (reference[..at], reference[(at + 1)..]);
        }

        var slash = reference.LastIndexOf('/');
        var colon = reference.LastIndexOf(':');
        return colon > slash ? (reference[..colon], reference[(colon + 1)..]) : (reference, "latest");
    }

    private async Task<ImageInspectResponse?> InspectOrNullAsync(string image, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(image))
        {
            return null;
        }

        try
        {
            return await docker.Images.InspectImageAsync(image, ct);
        }
        catch (DockerApiException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
        {
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"docker is unreachable: {e.Message}"));
        }
    }

    private static Image ToCri(ImageInspectResponse i)
    {
        var image = new Image { Id = i.ID, Size = (ulong)Math.Max(i.Size, 1) };
        image.RepoTags.AddRange(i.RepoTags ?? []);
        image.RepoDigests.AddRange(i.RepoDigests ?? []);
        var user = i.Config?.User;
        if (!string.IsNullOrEmpty(user))
        {
            var name = user.Split(':')[0];
            if (long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
            {
                image.Uid = new Int64Value { Value = uid };
            }
            else
            {
                image.Username = name;
            }
        }

        return image;
    }

    private static string Message(DockerApiException e)
    {
        var body = e.ResponseBody?.Trim();
        if (string.IsNullOrEmpty(body))
        {
            return e.Message;
        }

        try
        {
            return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("message").GetString() ?? body;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return body;
        }
    }

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (DockerApiException e)
        {
            throw new RpcException(new Status(StatusCode.Unknown, Message(e)));
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"docker is unreachable: {e.Message}"));
        }
    }
}
