// Pulumi 3.107.3's Log (engine diagnostics), declared from the SDK's public API for compiling against.
namespace Pulumi;

public static class Log
{
    public static void Debug(string message, Resource? resource = null, int? streamId = null, bool? ephemeral = null) => throw Surface.Only();
    public static void Info(string message, Resource? resource = null, int? streamId = null, bool? ephemeral = null) => throw Surface.Only();
    public static void Warn(string message, Resource? resource = null, int? streamId = null, bool? ephemeral = null) => throw Surface.Only();
    public static void Error(string message, Resource? resource = null, int? streamId = null, bool? ephemeral = null) => throw Surface.Only();
    public static void Exception(Exception exception, Resource? resource = null, int? streamId = null, bool? ephemeral = null) => throw Surface.Only();
}
