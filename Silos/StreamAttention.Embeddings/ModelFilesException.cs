namespace StreamAttention.Embeddings;

/// <summary>
/// A model's files cannot be prepared or used (an unwritable cache, a model or vocabulary that is not what the settings
/// say): a mistake in the deployment, not in the code. The message names the files and what to change; commands report
/// it in one line.
/// </summary>
public sealed class ModelFilesException(string message, Exception? innerException = null) : Exception(message, innerException);
