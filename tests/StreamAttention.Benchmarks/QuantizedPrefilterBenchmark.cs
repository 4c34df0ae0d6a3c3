using System.Diagnostics;
using System.Numerics.Tensors;
using StreamAttention.Onnx;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Candidates;
using StreamAttention.Scoring.SharedWords;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--quantized-prefilter</c>: one prefilter call of a chunk of messages against every interest, for chunks of 1–32
/// messages and 50,000 and 500,000 interests (random unit vectors, d = 128, as the distilled model's), the float GEMM
/// (<see cref="PrefilterStage"/> then <see cref="LiveInterests"/>) against the int8 screen (<see cref="QuantizedScreen"/>,
/// exact cosines only for the pairs whose interval holds the floor). The two alternate within each repetition; after a warm-up past tiered compilation, wall time is the median, CPU time
/// the process's over all repetitions divided by their count (ONNX Runtime runs on every core).
/// </summary>
internal static class QuantizedPrefilterBenchmark
{
    private const int Dimension = 128;
    private const float Floor = 0.25f;
    private const int WarmUpCalls = 40;
    private static readonly int[] InterestCounts = [50_000, 500_000];
    private static readonly int[] ChunkSizes = [1, 2, 4, 8, 32];

    public static Task RunAsync(BenchmarkSettings settings)
    {
        var sessions = new OnnxSessionFactory(settings.OnnxRuntime);
        var repetitions = Math.Max(settings.Repetitions, 5) * 4;
        Console.WriteLine($"# quantized prefilter: random unit vectors, d={Dimension}, floor {Floor}, {Environment.ProcessorCount} cores, " +
            $"median of {repetitions} alternating runs after {WarmUpCalls} warm-up calls, load average {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine();
        Console.WriteLine("| interests | messages | float GEMM (ms) | int8 screen (ms) | wall ratio | GEMM CPU (ms) | screen CPU (ms) | CPU ratio | pairs reaching the floor | live (both) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        using var prefilter = new PrefilterStage(sessions);
        var live = new LiveInterests();
        var screen = new QuantizedScreen();
        foreach (var interests in InterestCounts)
        {
            var rows = UnitVectors(interests, seed: 1);
            var quantizeClock = Stopwatch.StartNew();
            var quantized = QuantizedQueries.Of(rows, interests, Dimension);
            var quantizeTime = quantizeClock.Elapsed;
            var floor = Enumerable.Repeat(Floor, interests).ToArray();
            foreach (var count in ChunkSizes)
            {
                var messages = UnitVectors(count, seed: 2 + count);
                IReadOnlyList<int> Float() => live.Of(prefilter.Run(messages, count, rows, interests, Dimension).Span, count, floor);
                IReadOnlyList<int> Int8() => screen.Run(messages, count, quantized, rows, floor);
                // Warm-up past tiered compilation (tier 1 after 30 calls), so both run their final code.
                for (var w = 0; w < WarmUpCalls; w++)
                {
                    Float();
                    Int8();
                }
                var (floatLive, int8Live) = (Float().Count, Int8().Count);
                var atFloor = new CandidateLists();
                atFloor.Reset(0, count);
                screen.Candidates(floor, atFloor);
                var passing = atFloor.Total;
                var (floatTimes, int8Times) = (new double[repetitions], new double[repetitions]);
                var (floatCpu, int8Cpu) = (TimeSpan.Zero, TimeSpan.Zero);
                for (var r = 0; r < repetitions; r++)
                {
                    floatTimes[r] = Time(() => Float(), ref floatCpu);
                    int8Times[r] = Time(() => Int8(), ref int8Cpu);
                }
                var (floatMedian, int8Median) = (Median(floatTimes), Median(int8Times));
                var (floatCpuPerCall, int8CpuPerCall) = (floatCpu.TotalMilliseconds / repetitions, int8Cpu.TotalMilliseconds / repetitions);
                Console.WriteLine($"| {interests:N0} | {count} | {floatMedian:F3} | {int8Median:F3} | {floatMedian / int8Median:F2}× | " +
                    $"{floatCpuPerCall:F3} | {int8CpuPerCall:F3} | {floatCpuPerCall / int8CpuPerCall:F2}× | {passing:N0} | {floatLive:N0} / {int8Live:N0} |");
            }
            Console.WriteLine($"<!-- {interests:N0} interests: quantized in {quantizeTime.TotalMilliseconds:F0} ms, {quantized.Bytes / (double)interests:F0} bytes per interest -->");
        }
        return Task.CompletedTask;
    }

    private static double Time(Action action, ref TimeSpan cpu)
    {
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        action();
        var wall = clock.Elapsed.TotalMilliseconds;
        process.Refresh();
        cpu += process.TotalProcessorTime - cpuBefore;
        return wall;
    }

    private static double Median(double[] times)
    {
        Array.Sort(times);
        return times[times.Length / 2];
    }

    private static float[] UnitVectors(int count, int seed)
    {
        var random = new Random(seed);
        var vectors = new float[count * Dimension];
        for (var i = 0; i < count; i++)
        {
            var vector = vectors.AsSpan(i * Dimension, Dimension);
            for (var d = 0; d < Dimension; d++)
            {
                // Box–Muller: Gaussian components give directions uniform on the sphere.
                vector[d] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
            }
            TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        }
        return vectors;
    }
}
