using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace StreamAttention.Testing;

/// <summary>A process started by a test: output captured, every wait bounded, killed by its PID if still running at disposal.</summary>
public sealed partial class ChildProcess : IDisposable
{
    private const int SigInt = 2;
    private const int SigTerm = 15;
    private const int SigStop = 19;
    private const int SigCont = 18;

    private readonly Process _process;
    private readonly Task<string> _stderr;
    private bool _disposed;

    private ChildProcess(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public StreamReader StandardOutput => _process.StandardOutput;

    /// <summary>Whether the process has ended; after disposal always true (it was killed then if it still ran).</summary>
    public bool HasExited => _disposed || _process.HasExited;

    /// <summary>The process's PID.</summary>
    public int Id => _process.Id;

    public static ChildProcess Start(string fileName, params string[] arguments) => Start(fileName, new Dictionary<string, string>(), arguments);

    /// <summary><see cref="Start(string, string[])"/> with <paramref name="environment"/>'s variables set besides the test's own.</summary>
    public static ChildProcess Start(string fileName, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (variable, value) in environment)
        {
            info.Environment[variable] = value;
        }
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        try
        {
            return new ChildProcess(Process.Start(info)!);
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"Cannot start '{fileName}': {e.Message}", e);
        }
    }

    /// <summary>
    /// <c>streamattention</c> with <paramref name="arguments"/>: the executable that the reference to the silo project
    /// copies next to the tests, run by the dotnet host that runs them.
    /// </summary>
    public static ChildProcess StartStreamAttention(params string[] arguments) => Start(SignalsReset, StreamAttentionCommand(arguments));

    /// <summary><see cref="StartStreamAttention"/> run to the end, as <see cref="RunAsync"/>.</summary>
    public static Task<(int ExitCode, string Output, string Errors)> RunStreamAttentionAsync(TimeSpan timeout, params string[] arguments)
        => RunStreamAttentionAsync(timeout, new Dictionary<string, string>(), arguments);

    /// <summary><see cref="RunStreamAttentionAsync(TimeSpan, string[])"/> with <paramref name="environment"/>'s variables set besides the test's own.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunStreamAttentionAsync(TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        using var child = Start(SignalsReset, environment, StreamAttentionCommand(arguments));
        return await child.RunToEndAsync(timeout);
    }

    /// <summary>
    /// Run through <c>env --default-signal</c>: a test run started as a background job of a non-interactive shell (a CI
    /// runner's script) ignores SIGINT and SIGQUIT, and a child inherits that, so Ctrl+C could never reach it; reset, the
    /// child takes its signals as one started from a terminal does, however the tests were started.
    /// </summary>
    private const string SignalsReset = "env";

    private static string[] StreamAttentionCommand(string[] arguments) => ["--default-signal=INT,QUIT", DotnetHost, StreamAttentionDll, .. arguments];

    private static string StreamAttentionDll => Path.Combine(AppContext.BaseDirectory, "streamattention.dll");

    private static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>Runs to the end; returns the exit code, standard output and standard error.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(TimeSpan timeout, string fileName, params string[] arguments)
    {
        using var child = Start(fileName, arguments);
        return await child.RunToEndAsync(timeout);
    }

    private async Task<(int ExitCode, string Output, string Errors)> RunToEndAsync(TimeSpan timeout)
    {
        var output = StandardOutput.ReadToEndAsync();
        var exitCode = await WaitForExitAsync(timeout);
        return (exitCode, await output, await _stderr);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits up to <paramref name="timeout"/> on the caller's thread, for a disposal, which cannot await; false if it still runs.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public Task<string> StandardErrorAsync() => _stderr;

    /// <summary>Asks the process to stop, as a service manager or <c>kill PID</c> would.</summary>
    public void Terminate() => Signal(SigTerm, nameof(SigTerm));

    /// <summary>SIGINT, as Ctrl+C in the terminal that started it.</summary>
    public void Interrupt() => Signal(SigInt, nameof(SigInt));

    /// <summary>SIGSTOP: the process keeps its sockets open and answers nothing until <see cref="Continue"/>, as one stuck would.</summary>
    public void Stop() => Signal(SigStop, nameof(SigStop));

    /// <summary>SIGCONT: a process stopped by <see cref="Stop"/> runs again.</summary>
    public void Continue() => Signal(SigCont, nameof(SigCont));

    private void Signal(int signal, string name)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {name}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Ends the process at once (SIGKILL, as <c>kill -9 PID</c>): nothing runs in it afterwards, as in a crash.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Kills the process if it still runs and waits for its end (bounded); again, nothing (the .NET guideline for Dispose).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(DisposalWait);
        }
        _process.Dispose();
    }

    /// <summary>How long disposal waits for a killed process to be gone: SIGKILL ends it at once, the bound is for a hung kernel.</summary>
    private static readonly TimeSpan DisposalWait = TimeSpan.FromSeconds(10);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
