namespace KubeNet.LoadGen;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == BareKestrel.Verb)
        {
            return await BareKestrel.RunAsync(args[1..]);
        }

        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"loadgen: {ex.Message}\n{BenchOptions.Usage}");
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }

        return await Bench.RunAsync(options);
    }
}
