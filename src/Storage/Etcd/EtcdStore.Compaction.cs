using System.Globalization;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace KubeNet.Storage.Etcd;

// kube-apiserver's compactor (storage/etcd3/compact.go): every interval, the API server that wins a compare-and-swap
// on compact_rev_key's version compacts to the revision seen at the previous tick, so several API servers compact
// once per interval between them, and clients always have at least one interval to resume a list or watch.
public sealed partial class EtcdStore
{
    private async Task CompactPeriodicallyAsync(CancellationToken cancellationToken)
    {
        if (_options.CompactionInterval <= TimeSpan.Zero)
        {
            return;
        }

        // Off the constructor's thread: the first await below must not run the loop synchronously.
        await Task.Yield();
        long version = 0;
        long revision = 0;
        using var timer = new PeriodicTimer(_options.CompactionInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    (version, revision) = await CompactTickAsync(version, revision, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RpcException or StorageUnavailableException)
                {
                    LogCompactionFailed(ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The store is closing.
        }
    }

    /// <summary>One tick: returns compact_rev_key's version and the revision to compact to at the next tick.</summary>
    private async Task<(long Version, long Revision)> CompactTickAsync(long version, long revision, CancellationToken cancellationToken)
    {
        ByteString key = _keys.CompactKey;
        var txn = new TxnRequest
        {
            Compare = { new Compare { Key = key, Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = version } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFromUtf8(revision.ToString(CultureInfo.InvariantCulture)) } } },
            Failure = { new RequestOp { RequestRange = new RangeRequest { Key = key } } },
        };
        (TxnResponse response, _) = await TransactAsync("compaction lease", txn, cancellationToken).ConfigureAwait(false);
        long current = response.Header.Revision;
        if (!response.Succeeded)
        {
            // Another API server compacted in this interval; follow its count.
            var kvs = response.Responses[0].ResponseRange.Kvs;
            return (kvs.Count == 0 ? 0 : kvs[0].Version, current);
        }

        if (revision != 0)
        {
            CompactResult result = await CompactAsync(revision, cancellationToken).ConfigureAwait(false);
            if (result.Status == ReadStatus.Ok)
            {
                LogCompacted(revision);
            }
        }

        return (version + 1, current);
    }

    [LoggerMessage(EventId = 1210, Level = LogLevel.Information, Message = "Compacted etcd history up to revision {Revision}")]
    private partial void LogCompacted(long revision);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Warning, Message = "etcd compaction failed: {Error}")]
    private partial void LogCompactionFailed(string error);
}
