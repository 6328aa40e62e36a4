using ExclusiveOperations.Hosting;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddExclusiveOperations(builder.Configuration);
builder.Build().Run();
