namespace KubeNet.SchedulerBench;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"schedulerbench: {ex.Message}\n{Options.Usage}");
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(Options.Usage);
            return 0;
        }

        return options.Scale ? await ScaleRun.RunAsync(options) : await SchedulingRun.RunAsync(options);
    }
}
