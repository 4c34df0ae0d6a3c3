using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Onnx;

/// <summary>
/// Creates ONNX Runtime sessions on the configured execution provider, per role: models on <c>Onnx:ExecutionProvider</c>,
/// the scoring engine's own graphs on <c>Onnx:ScoringExecutionProvider</c> (by default the same). CUDA is chosen at
/// run time: the CPU build of ONNX Runtime has no CUDA entry point, so a failed attempt logs why and falls back to CPU.
/// </summary>
public sealed class OnnxSessionFactory
{
    private const string CudaProviderName = "CUDAExecutionProvider";
    private readonly OnnxRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _providerLock = new();
    private readonly Dictionary<OnnxSessionRole, string> _activeProviders = [];
    private bool _cudaProbed;
    private bool _cudaUnavailable;

    public OnnxSessionFactory(OnnxRuntimeOptions options, ILogger<OnnxSessionFactory>? logger = null)
    {
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// The provider this factory's model sessions run on, cpu or cuda, which decides what a model is prepared for: cuda
    /// only where it was asked for (Onnx:ExecutionProvider) and a probe session ran on it. Answered before any model is
    /// chosen, so a GPU image on a host without a usable GPU prepares its models for CPU instead of loading one for CUDA.
    /// </summary>
    public string ExecutionProvider
    {
        get
        {
            lock (_providerLock)
            {
                return CudaSessionsWork(OnnxSessionRole.Model) ? "cuda" : "cpu";
            }
        }
    }

    /// <summary>The provider the last model session was created on: "CPU" or "CUDA".</summary>
    public string ActiveProvider => ActiveProviderOf(OnnxSessionRole.Model);

    /// <summary>The provider the last scoring graph's session was created on: "CPU" or "CUDA".</summary>
    public string ScoringGraphProvider => ActiveProviderOf(OnnxSessionRole.ScoringGraph);

    public InferenceSession Create(byte[] model, string purpose, OnnxSessionRole role = OnnxSessionRole.Model)
    {
        lock (_providerLock)
        {
            if (CudaSessionsWork(role))
            {
                try
                {
                    var session = CreateOnCuda(model);
                    SetProvider(role, "CUDA", purpose);
                    return session;
                }
                catch (Exception e) when (IsCudaUnavailable(e))
                {
                    MarkCudaUnavailable(e);
                }
            }
            using var cpuOptions = NewSessionOptions();
            var cpuSession = new InferenceSession(model, cpuOptions);
            SetProvider(role, "CPU", purpose);
            return cpuSession;
        }
    }

    /// <summary>
    /// Whether CUDA was asked for sessions of <paramref name="role"/> and a session runs on it, probed once with a
    /// one-operator graph: the CPU build fails where the provider is appended, a GPU build without the CUDA libraries or
    /// without a device only when a session starts on it.
    /// </summary>
    private bool CudaSessionsWork(OnnxSessionRole role)
    {
        var asked = role == OnnxSessionRole.ScoringGraph ? _options.ScoringExecutionProvider ?? _options.ExecutionProvider : _options.ExecutionProvider;
        if (asked != "cuda" || _cudaUnavailable)
        {
            return false;
        }
        if (!_cudaProbed)
        {
            _cudaProbed = true;
            try
            {
                using var probe = CreateOnCuda(ProbeModel());
            }
            catch (Exception e) when (IsCudaUnavailable(e))
            {
                MarkCudaUnavailable(e);
            }
        }
        return !_cudaUnavailable;
    }

    private InferenceSession CreateOnCuda(byte[] model)
    {
        using var cudaOptions = NewSessionOptions();
        AppendCuda(cudaOptions);
        return new InferenceSession(model, cudaOptions);
    }

    // The CPU build throws EntryPointNotFoundException; a GPU build without its CUDA libraries or device, OnnxRuntimeException.
    private static bool IsCudaUnavailable(Exception e) =>
        e is EntryPointNotFoundException or OnnxRuntimeException or DllNotFoundException or InvalidOperationException;

    private void MarkCudaUnavailable(Exception e)
    {
        _cudaUnavailable = true;
        _logger.LogWarning("ONNX Runtime: CUDA requested but unavailable ({Error}: {Reason}); falling back to CPU", e.GetType().Name, FirstLine(e.Message));
    }

    private static byte[] ProbeModel()
    {
        var graph = new OnnxGraphBuilder("cuda_probe")
            .Input("x", TensorProto.Types.DataType.Float, 1)
            .Output("y", TensorProto.Types.DataType.Float, 1);
        graph.Node("Identity", ["x"], "y");
        return graph.ToBytes();
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

    private void SetProvider(OnnxSessionRole role, string provider, string purpose)
    {
        if (_activeProviders.GetValueOrDefault(role) != provider)
        {
            _logger.LogInformation("ONNX Runtime execution provider for {Role} sessions: {Provider} (first session: {Purpose}, ORT {Version})",
                role == OnnxSessionRole.Model ? "model" : "scoring graph", provider, purpose, OrtEnv.Instance().GetVersionString());
            _activeProviders[role] = provider;
        }
    }

    private string ActiveProviderOf(OnnxSessionRole role)
    {
        lock (_providerLock)
        {
            return _activeProviders.GetValueOrDefault(role, "CPU");
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
