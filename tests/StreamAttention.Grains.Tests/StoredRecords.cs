using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using StreamAttention.Grains.Storage;

namespace StreamAttention.Grains.Tests;

/// <summary>What the stored-record tests read and write with: the users' storage serializer, the format it wrote
/// before, and the records kept in <c>StoredStates/</c>.</summary>
internal static class StoredRecords
{
    /// <summary>What the users' storage reads and writes with.</summary>
    public static IGrainStorageSerializer UsersStorage(IServiceProvider services)
        => services.GetRequiredService<IOptionsMonitor<MemoryGrainStorageOptions>>().Get(StorageNames.Interests).GrainStorageSerializer;

    /// <summary>The format the users' storage wrote before the binary one: the silo's default storage serializer.</summary>
    public static JsonGrainStorageSerializer PreviousJson(IServiceProvider services)
        => Assert.IsType<JsonGrainStorageSerializer>(services.GetRequiredService<IGrainStorageSerializer>());

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "StoredStates", name);

    public static BinaryData Bytes(string name) => BinaryData.FromBytes(File.ReadAllBytes(PathOf(name)));

    public static BinaryData Text(string name) => BinaryData.FromString(File.ReadAllText(PathOf(name)));
}
