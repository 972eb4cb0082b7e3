using k8s;
using KubeNet.Client;
using Microsoft.Extensions.Logging;

namespace KubeNet.Controllers;

/// <summary>What every controller is built from: the shared informers (and through them the client) and logging.</summary>
public sealed class ControllerContext(SharedInformerFactory informers, ILoggerFactory loggerFactory, ControllerManagerOptions options)
{
    public SharedInformerFactory Informers { get; } = informers;

    public IKubernetes Client => Informers.Client;

    public ILoggerFactory LoggerFactory { get; } = loggerFactory;

    public ControllerManagerOptions Options { get; } = options;

    /// <summary>A logger named after the controller, e.g. KubeNet.Controllers.replicaset.</summary>
    public ILogger Logger(string controller) => LoggerFactory.CreateLogger("KubeNet.Controllers." + controller);
}
