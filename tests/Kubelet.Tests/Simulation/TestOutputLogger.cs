using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace KubeNet.Kubelet.Tests.Simulation;

/// <summary>Sends pool logs to the test output, so a failing test shows what the pool saw.</summary>
internal sealed class TestOutputLogger(ITestOutputHelper output) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {eventId.Id} {formatter(state, exception)}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished; its output is closed.
        }
    }
}
