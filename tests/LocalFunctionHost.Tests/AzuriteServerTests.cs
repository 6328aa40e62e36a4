using LocalTooling;

namespace LocalFunctionHost.Tests;

/// <summary>Azurite's data folder: a temporary one goes with the server, a chosen one stays (a restarted server keeps its data).</summary>
public sealed class AzuriteServerTests
{
    [Fact]
    public async Task A_temporary_data_folder_is_deleted_when_the_server_stops()
    {
        var server = await AzuriteServer.StartAsync();
        var folder = server.Location;
        Assert.True(Directory.Exists(folder));

        await server.DisposeAsync();

        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task A_chosen_data_folder_is_kept()
    {
        var folder = Directory.CreateTempSubdirectory("azurite-kept-").FullName;
        try
        {
            await (await AzuriteServer.StartAsync(folder)).DisposeAsync();

            Assert.True(Directory.Exists(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
