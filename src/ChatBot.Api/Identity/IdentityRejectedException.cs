namespace ChatBot.Api.Identity;

/// <summary>
/// Why a caller's identity was refused, in words meant for the caller: the 401's detail. Failures of any other type
/// (token library errors, which can name types and keys) are summarised instead of shown; see <see cref="UnauthorizedProblem"/>.
/// </summary>
public sealed class IdentityRejectedException(string message) : Exception(message);
