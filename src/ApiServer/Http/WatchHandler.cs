using System.Globalization;
using System.Text.Json;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Json;
using KubeNet.ApiMachinery.Kinds;
using KubeNet.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace KubeNet.ApiServer.Http;

/// <summary>
/// Watch streams: newline-delimited JSON events over a chunked response, served from the watch cache. Initial ADDED
/// events for resourceVersion unset or "0", resume from a resourceVersion, BOOKMARK events, sendInitialEvents, and 410
/// Expired as an ERROR event for versions older than the cache holds.
/// </summary>
internal sealed class WatchHandler(GenericStore store, ApiServerOptions options)
{
    private static readonly byte[] Added = """{"type":"ADDED","object":"""u8.ToArray();
    private static readonly byte[] Modified = """{"type":"MODIFIED","object":"""u8.ToArray();
    private static readonly byte[] Deleted = """{"type":"DELETED","object":"""u8.ToArray();
    private static readonly byte[] Bookmark = """{"type":"BOOKMARK","object":"""u8.ToArray();
    private static readonly byte[] ErrorPrefix = """{"type":"ERROR","object":"""u8.ToArray();
    private static readonly byte[] End = "}\n"u8.ToArray();

    public async Task HandleAsync(HttpContext context, RequestInfo request, ResourceInfo info)
    {
        var http = context.Request;
        var shape = Wire.Negotiate(http.Headers.Accept, tableCapable: true);
        if (shape == ResponseShape.NotAcceptable)
        {
            await Wire.WriteStatusAsync(context, ApiError.NotAcceptable(Wire.AcceptedTypes));
            return;
        }

        var filterOutcome = ResourceHandler.BuildFilter(http, info);
        if (!filterOutcome.IsOk)
        {
            await Wire.WriteStatusAsync(context, filterOutcome.Error!);
            return;
        }

        var ns = info.Namespaced ? request.Namespace : null;
        var nsPrefix = ns is null ? null : KindCatalog.KeyPrefix(info) + ns + "/";
        var selector = filterOutcome.Value.Filter;
        var name = request.LegacyWatch ? request.Name : null;
        Func<StoredObject, bool> matches = o =>
            (nsPrefix is null || o.Key.StartsWith(nsPrefix, StringComparison.Ordinal))
            && (name is null || o.Name == name)
            && (selector is null || selector(o));

        var rvText = http.Query["resourceVersion"].ToString();
        var sendInitialEvents = Wire.ParseBool(http.Query["sendInitialEvents"]);
        var bookmarks = Wire.QueryBool(http, "allowWatchBookmarks");
        if (sendInitialEvents is not null && http.Query["resourceVersionMatch"] != "NotOlderThan")
        {
            await Wire.WriteStatusAsync(context, ApiError.Invalid("meta.k8s.io", "ListOptions", string.Empty,
                [FieldError.Forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")]));
            return;
        }

        if (sendInitialEvents == true && !bookmarks)
        {
            await Wire.WriteStatusAsync(context, ApiError.Invalid("meta.k8s.io", "ListOptions", string.Empty,
                [FieldError.Forbidden("allowWatchBookmarks", "sendInitialEvents requires setting allowWatchBookmarks to true")]));
            return;
        }

        long? after = null;
        var initial = rvText is "" or "0";
        if (!initial)
        {
            if (!ObjectCodec.TryParseRevision(rvText, out var rv))
            {
                await Wire.WriteStatusAsync(context, ApiError.BadRequest($"invalid resource version \"{rvText}\""));
                return;
            }

            after = rv;
            if (sendInitialEvents == true)
            {
                await store.Cache.WaitForRevisionAsync(rv, context.RequestAborted);
                initial = true;
                after = null;
            }
        }
        else if (sendInitialEvents == false)
        {
            initial = false;
        }

        if (rvText == "" && initial)
        {
            await store.Cache.WaitUntilFreshAsync(context.RequestAborted);
        }

        var timeout = TimeSpan.FromSeconds(int.TryParse(http.Query["timeoutSeconds"], out var t) && t > 0
            ? t
            : options.MinRequestTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));

        var watcher = new CacheWatcher(matches, options.WatcherQueueLength);
        var start = store.Cache.Watch(info, after, watcher);
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = Wire.JsonType;
        response.Headers.CacheControl = "no-cache, private";
        await response.StartAsync(context.RequestAborted);
        var body = response.BodyWriter;
        var firstTable = true;

        async Task WriteEventAsync(byte[] prefix, StoredObject obj)
        {
            await body.WriteAsync(prefix, context.RequestAborted);
            if (shape == ResponseShape.Json)
            {
                await body.WriteAsync(Tables.Served(info, obj), context.RequestAborted);
            }
            else
            {
                await body.WriteAsync(Tables.Build(info, shape, [obj], obj.Metadata.ResourceVersion, null, null, http.Query["includeObject"], firstTable), context.RequestAborted);
                firstTable = false;
            }

            await body.WriteAsync(End, context.RequestAborted);
        }

        async Task WriteBookmarkAsync(long revision, bool initialEventsEnd)
        {
            await body.WriteAsync(Bookmark, context.RequestAborted);
            await body.WriteAsync(BookmarkObject(info, revision, initialEventsEnd), context.RequestAborted);
            await body.WriteAsync(End, context.RequestAborted);
        }

        if (start is null)
        {
            var oldest = store.Cache.OldestWatchableRevision(info);
            var status = ApiError.Expired($"too old resource version: {rvText} ({oldest})").ToStatus();
            await body.WriteAsync(ErrorPrefix, context.RequestAborted);
            await body.WriteAsync(KubeJson.SerializeToUtf8Bytes(status), context.RequestAborted);
            await body.WriteAsync(End, context.RequestAborted);
            await body.FlushAsync(context.RequestAborted);
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(timeout);
        try
        {
            if (start.Initial is not null && initial)
            {
                foreach (var obj in start.Initial)
                {
                    if (matches(obj))
                    {
                        await WriteEventAsync(Added, obj);
                    }
                }
            }

            if (sendInitialEvents == true)
            {
                await WriteBookmarkAsync(start.Revision, initialEventsEnd: true);
            }

            await body.FlushAsync(context.RequestAborted);
            var reader = watcher.Reader;
            var lastBookmark = DateTime.UtcNow;
            while (true)
            {
                var wait = reader.WaitToReadAsync(deadline.Token).AsTask();
                if (bookmarks)
                {
                    var next = lastBookmark + options.BookmarkInterval - DateTime.UtcNow;
                    var winner = await Task.WhenAny(wait, Task.Delay(next > TimeSpan.Zero ? next : TimeSpan.Zero, deadline.Token));
                    if (winner != wait)
                    {
                        var revision = store.Cache.Revision;
                        if (!reader.TryPeek(out _))
                        {
                            await WriteBookmarkAsync(revision, initialEventsEnd: false);
                            await body.FlushAsync(context.RequestAborted);
                        }

                        lastBookmark = DateTime.UtcNow;
                        continue;
                    }
                }

                if (!await wait)
                {
                    break;
                }

                while (reader.TryRead(out var item))
                {
                    var prefix = item.Type switch
                    {
                        CacheEventType.Added => Added,
                        CacheEventType.Modified => Modified,
                        _ => Deleted,
                    };
                    await WriteEventAsync(prefix, item.Object);
                }

                await body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout or client gone: the stream ends; clients re-watch from their last resourceVersion.
        }
        finally
        {
            store.Cache.StopWatch(info, watcher);
        }
    }

    private static byte[] BookmarkObject(ResourceInfo info, long revision, bool initialEventsEnd)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", info.Kind);
            w.WriteString("apiVersion", info.GroupVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", revision.ToString(CultureInfo.InvariantCulture));
            w.WriteString("creationTimestamp", (string?)null);
            if (initialEventsEnd)
            {
                w.WriteStartObject("annotations");
                w.WriteString("k8s.io/initial-events-end", "true");
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
