using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KubeNet.Kubelet.Streaming.Spdy;

namespace KubeNet.Kubelet.Tests.Streaming;

/// <summary>
/// The SPDY/3.1 server against hand-built and random frames over loopback TCP: header blocks inflate as zlib writes them,
/// malformed input only ever ends in a protocol error (RST_STREAM or GOAWAY), frames for unknown streams get RST_STREAM,
/// and a session keeps serving its streams after stream-level errors.
/// </summary>
public sealed class SpdySessionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void InflaterFollowsAZlibStreamAcrossFlushedBlocks()
    {
        var blocks = new[]
        {
            SpdyHeaders.Serialize([new("streamtype", "error"), new("port", "80"), new("requestid", "0")]),
            SpdyHeaders.Serialize([new("streamtype", "data"), new("port", "80"), new("requestid", "0")]),
            SpdyHeaders.Serialize([new("x-long", new string('a', 5000) + new string('b', 3000))]),
        };
        using var compressed = new MemoryStream();
        using var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true);
        var inflater = new HeaderInflater();
        foreach (var block in blocks)
        {
            var start = compressed.Length;
            zlib.Write(block);
            zlib.Flush();
            var frame = compressed.ToArray()[(int)start..];
            Assert.Equal(block, inflater.Inflate(frame));
        }

        var parsed = SpdyHeaders.Parse(blocks[1]);
        Assert.Equal("data", parsed["streamType"][0]);

        // Our own stored-block deflater reads back the same way.
        var deflater = new HeaderDeflater();
        var reader = new HeaderInflater();
        foreach (var block in blocks)
        {
            Assert.Equal(block, reader.Inflate(deflater.Deflate(block)));
        }
    }

    [Fact]
    public void RandomAndMutatedHeaderBlocksOnlyRaiseProtocolErrors()
    {
        var random = new Random(1234);
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(SpdyHeaders.Serialize([new("streamtype", "data"), new("port", "8080"), new("requestid", "7")]));
            zlib.Flush();
        }

        var valid = compressed.ToArray();
        for (var i = 0; i < 5000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 300)];
                random.NextBytes(input);
                if (i % 4 == 0 && input.Length > 2)
                {
                    // A valid zlib header makes the random bytes reach the deflate decoder.
                    input[0] = 0x78;
                    input[1] = 0x01;
                }
            }
            else
            {
                input = (byte[])valid.Clone();
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    input[random.Next(input.Length)] ^= (byte)random.Next(1, 256);
                }

                input = input[..random.Next(1, input.Length + 1)];
            }

            try
            {
                SpdyHeaders.Parse(new HeaderInflater().Inflate(input));
            }
            catch (SpdyProtocolException)
            {
            }
        }
    }

    [Fact]
    public async Task SessionAnswersUnknownStreamsPingsAndStreamsThenSurvivesGarbage()
    {
        await using var pair = await Loopback.StartAsync(echo: true);
        var client = pair.Client;

        // DATA and HEADERS for a stream nobody opened: RST_STREAM INVALID_STREAM, and the session goes on.
        await client.WriteAsync(SpdyFrame.Data(99, 0, "stray"u8));
        var rst = await ReadAsync(client);
        Assert.Equal((SpdyFrameType.RstStream, 99u, SpdyStatus.InvalidStream), (rst.Type, rst.Word(0), rst.Word(1)));

        // A client PING comes back with the same id; unknown control types are ignored.
        await client.WriteAsync(SpdyFrame.EncodeControl((SpdyFrameType)77, 0, [1, 2, 3]));
        await client.WriteAsync(SpdyFrame.Words(SpdyFrameType.Ping, 1));
        var ping = await ReadAsync(client);
        Assert.Equal((SpdyFrameType.Ping, 1u), (ping.Type, ping.Word(0)));

        // A stream: SYN_STREAM, SYN_REPLY, echoed data, FIN both ways.
        var deflater = new HeaderDeflater();
        await client.WriteAsync(SynStream(deflater, 1, [new("streamtype", "data"), new("port", "80")]));
        var reply = await ReadAsync(client);
        Assert.Equal((SpdyFrameType.SynReply, 1u), (reply.Type, reply.Word(0)));
        Assert.Empty(SpdyHeaders.Parse(pair.Inflater.Inflate(reply.Payload.AsSpan(4))));
        await client.WriteAsync(SpdyFrame.Data(1, SpdyFrame.FlagFin, "hello"u8));
        var echoed = new StringBuilder();
        while (true)
        {
            var frame = await ReadAsync(client);
            if (frame.Type == SpdyFrameType.WindowUpdate)
            {
                continue;
            }

            Assert.False(frame.Control, $"unexpected {frame.Type}");
            echoed.Append(Encoding.UTF8.GetString(frame.Payload));
            if (frame.Fin)
            {
                break;
            }
        }

        Assert.Equal("hello", echoed.ToString());

        // A stream id that goes backwards is a protocol error for that stream only.
        await client.WriteAsync(SynStream(deflater, 1, [new("streamtype", "data"), new("port", "80")]));
        rst = await ReadAsync(client);
        Assert.Equal((SpdyFrameType.RstStream, 1u, SpdyStatus.ProtocolError), (rst.Type, rst.Word(0), rst.Word(1)));
        await client.WriteAsync(SpdyFrame.Words(SpdyFrameType.Ping, 3));
        Assert.Equal(3u, (await ReadAsync(client)).Word(0));

        // A broken frame ends the session with GOAWAY PROTOCOL_ERROR, cleanly.
        await client.WriteAsync(SpdyFrame.EncodeControl(SpdyFrameType.RstStream, 0, [1, 2, 3]));
        var goAway = await ReadAsync(client);
        Assert.Equal((SpdyFrameType.GoAway, 1u), (goAway.Type, goAway.Word(1)));
        await pair.Served.WaitAsync(Timeout);
    }

    [Fact]
    public async Task RandomFramesNeverCrashTheServerAndItKeepsServing()
    {
        var random = new Random(4321);
        for (var round = 0; round < 60; round++)
        {
            await using var pair = await Loopback.StartAsync(echo: true);
            for (var frames = random.Next(1, 8); frames > 0; frames--)
            {
                var payload = new byte[random.Next(0, 64)];
                random.NextBytes(payload);
                var frame = (round % 3) switch
                {
                    0 => SpdyFrame.EncodeControl((SpdyFrameType)random.Next(0, 11), (byte)random.Next(256), payload),
                    1 => SpdyFrame.Data((uint)random.Next(), (byte)random.Next(256), payload),
                    _ => payload,
                };
                try
                {
                    await pair.Client.WriteAsync(frame);
                }
                catch (IOException)
                {
                    // The server may already have ended the session with GOAWAY and closed.
                    break;
                }
            }

            pair.Client.Socket.Shutdown(SocketShutdown.Send);

            // The session ends by itself, without an exception escaping it.
            await pair.Served.WaitAsync(Timeout);
        }

        // And a fresh session on the same code path still serves a stream.
        await using var fresh = await Loopback.StartAsync(echo: true);
        await fresh.Client.WriteAsync(SynStream(new HeaderDeflater(), 5, [new("streamtype", "error"), new("port", "1")]));
        Assert.Equal(SpdyFrameType.SynReply, (await ReadAsync(fresh.Client)).Type);
    }

    [Fact]
    public async Task FrameDecoderFuzzOnlyYieldsFramesOrProtocolErrors()
    {
        var random = new Random(9876);
        var valid = new[]
        {
            SpdyFrame.Data(1, SpdyFrame.FlagFin, "abc"u8),
            SpdyFrame.Words(SpdyFrameType.Ping, 1),
            SpdyFrame.Words(SpdyFrameType.WindowUpdate, 1, 10),
            SynStream(new HeaderDeflater(), 3, [new("streamtype", "data"), new("port", "80")]),
        };
        for (var round = 0; round < 2000; round++)
        {
            // Valid frames cut short, with flipped bytes, or pure noise.
            var bytes = round % 3 == 0 ? new byte[random.Next(0, 40)] : [.. valid[random.Next(valid.Length)]];
            if (round % 3 == 0)
            {
                random.NextBytes(bytes);
            }
            else if (round % 3 == 1 && bytes.Length > 0)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
            }
            else
            {
                bytes = bytes[..random.Next(0, bytes.Length + 1)];
            }

            using var stream = new MemoryStream(bytes);
            try
            {
                while (await SpdyFrame.ReadAsync(stream, 4096, CancellationToken.None) is not null)
                {
                }
            }
            catch (SpdyProtocolException)
            {
            }
        }
    }

    [Fact]
    public async Task ClientThatDisappearsMidStreamEndsOnlyItsSession()
    {
        var pair = await Loopback.StartAsync(echo: true);
        await pair.Client.WriteAsync(SynStream(new HeaderDeflater(), 1, [new("streamtype", "data"), new("port", "80")]));
        Assert.Equal(SpdyFrameType.SynReply, (await ReadAsync(pair.Client)).Type);
        await pair.Client.WriteAsync(SpdyFrame.Data(1, 0, new byte[8000]));

        // Half a frame, then the connection is reset: the session ends without an escaping exception.
        await pair.Client.WriteAsync(SpdyFrame.Data(1, 0, new byte[100]).AsMemory(0, 50));
        pair.Client.Socket.LingerState = new LingerOption(true, 0);
        pair.Client.Socket.Close();
        await pair.Served.WaitAsync(Timeout);
        pair.Dispose();

        await using var fresh = await Loopback.StartAsync(echo: true);
        await fresh.Client.WriteAsync(SpdyFrame.Words(SpdyFrameType.Ping, 7));
        Assert.Equal(7u, (await ReadAsync(fresh.Client)).Word(0));
    }

    private static byte[] SynStream(HeaderDeflater deflater, uint id, KeyValuePair<string, string>[] headers)
    {
        var head = new byte[10];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(head, id);
        return SpdyFrame.EncodeControl(SpdyFrameType.SynStream, 0, [.. head, .. deflater.Deflate(SpdyHeaders.Serialize(headers))]);
    }

    private static async Task<SpdyFrame> ReadAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        return await SpdyFrame.ReadAsync(stream, SpdyFrame.MaxPayload, timeout.Token) ?? throw new InvalidOperationException("the server closed the connection");
    }

    /// <summary>A SPDY session on one end of a loopback TCP connection; the test drives the other end.</summary>
    private sealed class Loopback : IAsyncDisposable, IDisposable
    {
        private TcpClient _client = null!;
        private Socket _server = null!;

        public NetworkStream Client { get; private set; } = null!;

        public Task Served { get; private set; } = Task.CompletedTask;

        public HeaderInflater Inflater { get; } = new();

        public static async Task<Loopback> StartAsync(bool echo)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var pair = new Loopback { _client = new TcpClient() };
            await pair._client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            pair._server = await listener.AcceptSocketAsync();
            listener.Stop();
            pair.Client = pair._client.GetStream();
            var transport = new NetworkStream(pair._server, ownsSocket: false);
            var session = new SpdySession(transport, _ => true, stream =>
            {
                if (echo)
                {
                    _ = Task.Run(async () =>
                    {
                        var buffer = new byte[1024];
                        try
                        {
                            int n;
                            while ((n = await stream.ReadAsync(buffer, CancellationToken.None)) > 0)
                            {
                                await stream.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None);
                            }

                            await stream.CloseAsync(CancellationToken.None);
                        }
                        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
                        {
                        }
                    });
                }
            });
            pair.Served = Task.Run(async () =>
            {
                await session.RunAsync(CancellationToken.None);
                await session.DisposeAsync();
                try
                {
                    pair._server.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                }
            });
            return pair;
        }

        public void Dispose()
        {
            _client.Dispose();
            _server.Dispose();
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await Served.WaitAsync(Timeout);
            _server.Dispose();
        }
    }
}
