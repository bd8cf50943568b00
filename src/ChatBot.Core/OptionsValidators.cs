using Microsoft.Extensions.Options;

namespace ChatBot.Core;

// Generated at compile time from the [Range] attributes: the same checks and messages as ValidateDataAnnotations,
// without its reflection at startup (measured in docs/benchmarks.md, cold start).
[OptionsValidator]
internal sealed partial class ChatOptionsValidator : IValidateOptions<ChatOptions>;

[OptionsValidator]
internal sealed partial class ContextCacheOptionsValidator : IValidateOptions<ContextCacheOptions>;
