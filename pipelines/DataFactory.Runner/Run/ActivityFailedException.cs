namespace DataFactory.Runner.Run;

/// <summary>An activity ended Failed with this error (a Fail activity, a non-2xx answer, a bad expression...).</summary>
public sealed class ActivityFailedException(RunError error) : Exception(error.Message)
{
    public RunError Error => error;
}
