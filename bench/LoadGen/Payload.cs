using System.Globalization;
using System.Text;

namespace KubeNet.LoadGen;

/// <summary>The object every phase writes or serves: a ConfigMap of exactly <see cref="Bytes"/> bytes of JSON.</summary>
internal static class Payload
{
    public const int Bytes = 1300;
    public const string Namespace = "bench";

    public static string Name(long index) => "cm-" + index.ToString("D7", CultureInfo.InvariantCulture);

    public static string StorageKey(long index) => $"/registry/configmaps/{Namespace}/{Name(index)}";

    /// <summary>Names are fixed width, so the padding (and the size) is the same for every index.</summary>
    public static byte[] ConfigMap(string ns, string name)
    {
        string Json(string pad) =>
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + ns + "\"," +
            "\"labels\":{\"app.kubernetes.io/name\":\"loadgen\",\"app.kubernetes.io/component\":\"bench\",\"tier\":\"backend\"}," +
            "\"annotations\":{\"kube-net.io/purpose\":\"API server throughput benchmark\"}}," +
            "\"data\":{\"config.yaml\":\"listen: 0.0.0.0:8080\\nlog-level: info\\nworkers: 4\\n\",\"blob\":\"" + pad + "\"}}";

        var bare = Encoding.UTF8.GetByteCount(Json(""));
        if (bare > Bytes)
        {
            throw new InvalidOperationException($"payload skeleton is {bare} bytes, more than {Bytes}");
        }

        var pad = new StringBuilder(Bytes - bare);
        for (var i = 0; pad.Length < Bytes - bare; i++)
        {
            pad.Append((char)('a' + (i % 26)));
        }

        return Encoding.UTF8.GetBytes(Json(pad.ToString()));
    }
}
