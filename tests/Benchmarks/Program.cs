using Benchmarks;

return args is ["host", ..]
    ? await HostBenchmark.RunAsync(args.Length > 1 && int.TryParse(args[1], out var samples) ? samples : 30)
    : Usage();

static int Usage()
{
    Console.Error.WriteLine("Usage: Benchmarks host [samples]   (./build.sh bench-host)");
    return 2;
}
