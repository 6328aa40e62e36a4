using ExclusiveOperations.Contracts;

namespace ExclusiveOperations.Starter;

/// <summary>What the starter does with a request: start an orchestration, or refuse with an HTTP error.</summary>
public abstract record StartDecision
{
    private StartDecision() { }

    public sealed record Start(OperationRequest Request) : StartDecision;

    /// <param name="StatusCode">400 or 404.</param>
    /// <param name="Error">A short, stable description of the class of problem.</param>
    /// <param name="Detail">What exactly was wrong and what to do instead.</param>
    public sealed record Refuse(int StatusCode, string Error, string Detail) : StartDecision
    {
        public object Body => new { error = Error, detail = Detail };
    }
}
