using System.Diagnostics;
using System.Text;

namespace StreamAttention.Commands.Tests;

/// <summary><c>streamattention local</c> run as a newcomer runs it: a process whose start-up must not warn.</summary>
public sealed class LocalStartupTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Ctrl-c's SIGINT, unless this test process ignores SIGINT (started as a background job of a non-interactive
    /// shell): the child inherits that, so ctrl-c could never reach it, and SIGTERM (the other signal the host stops on) does.
    /// </summary>
    private static string StopSignal()
    {
        const ulong sigint = 1UL << (2 - 1);
        var ignored = File.ReadLines("/proc/self/status").FirstOrDefault(line => line.StartsWith("SigIgn:", StringComparison.Ordinal));
        return ignored is not null && (Convert.ToUInt64(ignored["SigIgn:".Length..].Trim(), 16) & sigint) != 0 ? "-TERM" : "-INT";
    }

    /// <summary>
    /// Orleans' own timing checks, which warn when the whole process did not run for seconds (its watchdog thread, its
    /// timers firing late): on a machine busy with other work, such as this suite's other tests, that is the machine's
    /// state, not something local mode did. Every other warning fails the test.
    /// </summary>
    private static bool IsMachineStall(string line)
        => line.Contains(" warn: Orleans.Runtime.Watchdog[", StringComparison.Ordinal)
            || line.Contains(" warn: Orleans.Runtime.AsyncTimer.", StringComparison.Ordinal);

    [Fact]
    public async Task Local_mode_starts_without_a_warning_signs_with_the_environments_key_and_stops_on_ctrl_c()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // As a deployment gives it (not on the command line, where ps shows it).
            Environment = { ["STREAMATTENTION_Auth__SigningKey"] = key },
        };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "streamattention.dll"), "local", "--urls", url,
            "--Cluster:SiloPort=" + LoopbackPort.Free(), "--Cluster:GatewayPort=" + LoopbackPort.Free(),
        })
        {
            start.ArgumentList.Add(argument);
        }
        var log = new StringBuilder();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = start };
        DataReceivedEventHandler collect = (_, line) =>
        {
            lock (log)
            {
                log.AppendLine(line.Data);
            }
            if (line.Data?.Contains("local mode is running") == true)
            {
                running.TrySetResult();
            }
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var stage = "start";
        try
        {
            await running.Task.WaitAsync(StartTimeout);
            stage = "score a sample message within 60 s";
            // Stopped while it works: once the sample stream's first messages were scored.
            await WaitForScoredMessagesAsync(url, () =>
            {
                lock (log)
                {
                    return OperatorToken(log.ToString());
                }
            });
            stage = "stop within 60 s of ctrl-c";
            using (var interrupt = Process.Start("kill", [StopSignal(), process.Id.ToString()]))
            {
                await interrupt.WaitForExitAsync();
            }
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            // Where start-up or shutdown stopped is in the process's own log.
            lock (log)
            {
                Assert.Fail($"streamattention local did not {stage}; its output:\n{log}");
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        string text;
        lock (log)
        {
            text = log.ToString();
        }
        Assert.Equal(0, process.ExitCode);
        // The whole lines, so a failure says which warning it was.
        Assert.DoesNotContain(text.Split('\n'), line => (line.Contains(" warn: ") && !IsMachineStall(line)) || line.Contains(" fail: ") || line.Contains(" crit: "));
        // Auth is on, with a ready token and the dashboard's login link.
        // An operator sees the silo join, and leave on the signal.
        Assert.Contains(" active in cluster ", text);
        Assert.Contains(" stopping: it finishes its work and leaves the cluster", text);
        Assert.Matches(@"Silo S127\.0\.0\.1:\d+:\d+ stopped", text);
        Assert.Contains("/dashboard/#token=ey", text);
        Assert.Contains("signed with the configured Auth:SigningKey", text);
        var token = OperatorToken(text);
        var validation = await new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().ValidateTokenAsync(token, new Microsoft.IdentityModel.Tokens.TokenValidationParameters
        {
            ValidIssuer = "streamattention",
            ValidAudience = "streamattention",
            IssuerSigningKey = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Convert.FromBase64String(key)),
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
    }

    private static string OperatorToken(string log) => System.Text.RegularExpressions.Regex.Match(log, @"operator token   (ey\S+)").Groups[1].Value;

    /// <summary>Asks the dashboard's stats, as the operator, until they count a scored message; a timeout fails the test with the process's log.</summary>
    private static async Task WaitForScoredMessagesAsync(string url, Func<string> token)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/stats") { Headers = { { "Authorization", "Bearer " + token() } } };
                using var response = await http.SendAsync(request, deadline.Token);
                if (response.IsSuccessStatusCode
                    && (long?)System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(deadline.Token))?["messagesIn"] > 0)
                {
                    return;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250), deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException();
            }
        }
    }
}
