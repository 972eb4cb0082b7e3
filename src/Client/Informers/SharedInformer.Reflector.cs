using System.Net;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace KubeNet.Client;

/// <summary>The list-then-watch loop of client-go's reflector.</summary>
public sealed partial class SharedInformer<T>
{
    private async Task ListAndWatchLoopAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(_options.InitialBackoff, _options.MaxBackoff);
        string? resourceVersion = null;
        var relistFrom = "0";
        while (!cancellationToken.IsCancellationRequested)
        {
            if (resourceVersion is null)
            {
                try
                {
                    resourceVersion = await ListAsync(relistFrom, cancellationToken);
                    backoff.Reset();
                }
                catch (Exception ex) when (IsExpired(ex) && relistFrom != string.Empty)
                {
                    // The version we asked for is compacted away: a consistent list from storage always works.
                    LogListExpired(_logger, _kind, relistFrom);
                    relistFrom = string.Empty;
                    continue;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    var delay = backoff.Next();
                    LogListFailed(_logger, _kind, delay, ex);
                    await Task.Delay(delay, cancellationToken);
                    continue;
                }
            }

            var outcome = await WatchAsync(resourceVersion, cancellationToken);
            switch (outcome.Result)
            {
                case WatchResult.Closed:
                    // The server ended the watch after its timeout: resume at once from where it stopped.
                    resourceVersion = outcome.ResourceVersion;
                    if (outcome.Events > 0)
                    {
                        backoff.Reset();
                    }

                    break;
                case WatchResult.Expired:
                    // Events were lost: relist, at least as fresh as what the cache already holds.
                    LogWatchExpired(_logger, _kind, outcome.ResourceVersion);
                    relistFrom = outcome.ResourceVersion;
                    resourceVersion = null;
                    break;
                case WatchResult.Failed:
                    resourceVersion = outcome.ResourceVersion;
                    var delay = backoff.Next();
                    LogWatchFailed(_logger, _kind, delay, outcome.Error);
                    await Task.Delay(delay, cancellationToken);
                    break;
            }
        }
    }

    // Pages of PageSize items; a list at resourceVersion "0" is served from the watch cache, later pages follow the
    // continue token alone, as the API requires.
    private async Task<string> ListAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? continueToken = null;
        string listVersion;
        do
        {
            var page = await _listWatch.List(new ListRequest(resourceVersion, _options.PageSize, continueToken), cancellationToken);
            items.AddRange(page.Items);
            listVersion = page.ResourceVersion;
            continueToken = page.Continue;
        }
        while (continueToken is not null);

        ApplyList(items, listVersion);
        LogListed(_logger, _kind, items.Count, listVersion);
        return listVersion;
    }

    private async Task<WatchOutcome> WatchAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        var expired = false;
        Exception? streamError = null;
        var events = 0;
        var timeout = (int)(_options.MinWatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
        var request = new WatchRequest(resourceVersion, timeout, AllowWatchBookmarks: true);
        void OnError(Exception ex)
        {
            if (IsExpired(ex))
            {
                expired = true;
            }
            else
            {
                streamError = ex;
                LogWatchStreamError(_logger, _kind, ex);
            }
        }

        try
        {
            await foreach (var (type, obj) in _listWatch.Watch(request, OnError, cancellationToken).WithCancellation(cancellationToken))
            {
                events++;
                switch (type)
                {
                    case WatchEventType.Bookmark:
                        if (obj?.Metadata?.ResourceVersion is { Length: > 0 } bookmark)
                        {
                            _lastSyncResourceVersion = bookmark;
                            resourceVersion = bookmark;
                        }

                        continue;
                    case WatchEventType.Error:
                        // An ERROR event without a Status object still means this stream is unusable.
                        return new WatchOutcome(WatchResult.Expired, resourceVersion, events, null);
                }

                if (obj?.Metadata is null)
                {
                    continue;
                }

                ApplyEvent(type, obj);
                resourceVersion = obj.Metadata.ResourceVersion ?? resourceVersion;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (IsExpired(ex))
        {
            expired = true;
        }
        catch (Exception ex) when (events == 0 && IsEmptyStream(ex))
        {
            // The client reads the first line before it returns the stream: a watch that timed out without a single
            // event or bookmark surfaces as end-of-stream here, which is a normal close.
        }
        catch (Exception ex)
        {
            return new WatchOutcome(WatchResult.Failed, resourceVersion, events, ex);
        }

        if (expired)
        {
            return new WatchOutcome(WatchResult.Expired, resourceVersion, events, null);
        }

        return new WatchOutcome(WatchResult.Closed, resourceVersion, events, streamError);
    }

    private static bool IsExpired(Exception ex) => ex switch
    {
        KubernetesException { Status.Code: (int)HttpStatusCode.Gone } => true,
        HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } => true,
        _ => false,
    };

    private static bool IsEmptyStream(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is EndOfStreamException)
            {
                return true;
            }
        }

        return false;
    }

    private enum WatchResult
    {
        Closed,
        Expired,
        Failed,
    }

    private readonly record struct WatchOutcome(WatchResult Result, string ResourceVersion, int Events, Exception? Error);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Listed {Count} {Kind} at resourceVersion {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, string kind, int count, string resourceVersion);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Listing {Kind} failed; retrying in {Delay}")]
    private static partial void LogListFailed(ILogger logger, string kind, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "List of {Kind} at resourceVersion {ResourceVersion} expired; listing from storage")]
    private static partial void LogListExpired(ILogger logger, string kind, string resourceVersion);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Watch of {Kind} expired after resourceVersion {ResourceVersion}; relisting")]
    private static partial void LogWatchExpired(ILogger logger, string kind, string resourceVersion);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Watch of {Kind} failed; retrying in {Delay}")]
    private static partial void LogWatchFailed(ILogger logger, string kind, TimeSpan delay, Exception? exception);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Watch of {Kind} reported an error")]
    private static partial void LogWatchStreamError(ILogger logger, string kind, Exception exception);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "An event handler of {Kind} failed")]
    private static partial void LogHandlerFailed(ILogger logger, string kind, Exception exception);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Debug, Message = "Informer of {Kind} stopped")]
    private static partial void LogStopped(ILogger logger, string kind);
}
