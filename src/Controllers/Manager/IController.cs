namespace KubeNet.Controllers;

/// <summary>
/// One controller of the controller-manager. It is built before the shared informers start (so its informers and
/// event handlers are registered in time), started once the caches have synced, and disposed when the manager stops
/// or loses leadership. Handlers only enqueue keys; workers do the reconciling.
/// </summary>
public interface IController : IAsyncDisposable
{
    /// <summary>Starts the workers. Called once, after every informer of the shared factory has synced.</summary>
    void Start();
}
