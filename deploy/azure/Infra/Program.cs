using Infra;
using Pulumi;

return await Deployment.RunAsync<ExclusiveOperationsStack>();
