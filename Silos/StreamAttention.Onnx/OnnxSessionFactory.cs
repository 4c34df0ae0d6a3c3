using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Onnx;

/// <summary>
/// Creates ONNX Runtime sessions on the configured execution provider. CUDA is chosen at run time:
/// the CPU build of ONNX Runtime has no CUDA entry point, so a failed attempt logs why and falls back to CPU.
/// </summary>
public sealed class OnnxSessionFactory
{
    private const string CudaProviderName = "CUDAExecutionProvider";
    private readonly OnnxRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _providerLock = new();
    private bool _cudaUnavailable;
    private bool _providerLogged;

    public OnnxSessionFactory(OnnxRuntimeOptions options, ILogger<OnnxSessionFactory>? logger = null)
    {
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The configured provider (Onnx:ExecutionProvider, cpu or cuda), which decides what a model is prepared for.</summary>
    public string ExecutionProvider => _options.ExecutionProvider;

    /// <summary>The provider the last session was created on: "CPU" or "CUDA".</summary>
    public string ActiveProvider { get; private set; } = "CPU";

    public InferenceSession Create(byte[] model, string purpose)
    {
        lock (_providerLock)
        {
            if (_options.ExecutionProvider == "cuda" && !_cudaUnavailable)
            {
                using var cudaOptions = NewSessionOptions();
                try
                {
                    AppendCuda(cudaOptions);
                    var session = new InferenceSession(model, cudaOptions);
                    SetProvider("CUDA", purpose, reason: null);
                    return session;
                }
                catch (Exception e) when (e is EntryPointNotFoundException or OnnxRuntimeException or DllNotFoundException or InvalidOperationException)
                {
                    // The CPU build throws EntryPointNotFoundException; a plugin without its CUDA libraries throws OnnxRuntimeException.
                    _cudaUnavailable = true;
                    SetProvider("CPU", purpose, reason: $"CUDA requested but unavailable ({e.GetType().Name}: {FirstLine(e.Message)}); falling back to CPU");
                }
            }
            using var cpuOptions = NewSessionOptions();
            var cpuSession = new InferenceSession(model, cpuOptions);
            SetProvider("CPU", purpose, reason: null);
            return cpuSession;
        }
    }

    private SessionOptions NewSessionOptions()
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (!_options.IntraOpSpinning)
        {
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }
        if (_options.IntraOpThreads > 0)
        {
            options.IntraOpNumThreads = _options.IntraOpThreads;
        }
        return options;
    }

    private void AppendCuda(SessionOptions sessionOptions)
    {
        if (string.IsNullOrWhiteSpace(_options.CudaProviderLibraryPath))
        {
            sessionOptions.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
            return;
        }
        var env = OrtEnv.Instance();
        try
        {
            env.RegisterExecutionProviderLibrary("cuda", _options.CudaProviderLibraryPath);
        }
        catch (OnnxRuntimeException e) when (e.Message.Contains("already", StringComparison.OrdinalIgnoreCase))
        {
            // Registered by an earlier session of this process.
        }
        var devices = env.GetEpDevices().Where(d => d.EpName == CudaProviderName).ToList();
        if (devices.Count == 0)
        {
            throw new InvalidOperationException($"the plugin at {_options.CudaProviderLibraryPath} reports no CUDA device");
        }
        sessionOptions.AppendExecutionProvider(env, devices, new Dictionary<string, string> { ["device_id"] = _options.CudaDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    private void SetProvider(string provider, string purpose, string? reason)
    {
        if (reason is not null)
        {
            _logger.LogWarning("ONNX Runtime: {Reason}", reason);
        }
        if (!_providerLogged || ActiveProvider != provider)
        {
            _logger.LogInformation("ONNX Runtime execution provider: {Provider} (first session: {Purpose}, ORT {Version})", provider, purpose, OrtEnv.Instance().GetVersionString());
            _providerLogged = true;
        }
        ActiveProvider = provider;
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
