namespace LocalDataFactory;

/// <summary>ARM's error body (CloudError): <c>{ "error": { "code", "message" } }</c>.</summary>
public static class ArmError
{
    public static IResult Result(int statusCode, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: statusCode);
}
