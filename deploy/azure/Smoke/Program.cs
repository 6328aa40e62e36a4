using Smoke;

// Azure only: ./build.sh smoke --local runs the same command against the local factory (deploy/local/LocalEnvironment).
return await SmokeCommand.Create(Console.Out).Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });
