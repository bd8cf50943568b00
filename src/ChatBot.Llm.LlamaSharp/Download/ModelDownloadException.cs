using ChatBot.Core;

namespace ChatBot.Llm.LlamaSharp.Download;

// A model download that cannot succeed without the user doing something. The message is written for that user:
// it says what happened and what to do, so a host can print it alone, without a stack trace.
public sealed class ModelDownloadException : StartupException
{
    public ModelDownloadException(string message)
        : base(message)
    {
    }

    public ModelDownloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
