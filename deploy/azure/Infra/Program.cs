using ExclusiveOperations.Infra;
using Pulumi;

return await Deployment.RunAsync<ExclusiveOperationsStack>();
