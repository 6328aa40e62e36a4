using ExclusiveOperations.Smoke;

// Ctrl+C cancels; --local then stops the host and Azurite, which takes a few seconds.
return await SmokeCommand.Create(Console.Out).Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });
