using KubeNet;

return await CommandLine.RunAsync(args);
