using ChatBot.Core;
using Microsoft.Data.Sqlite;

namespace ChatBot.Storage.Sqlite;

// Model choice, custom instructions, edit, continue and feedback.
public sealed partial class SqliteConversationStore
{
    /// <summary>A rename is an update of the title alone.</summary>
    public Task<Conversation?> RenameConversationAsync(
        string userId, string conversationId, string title, DateTimeOffset updatedAt, CancellationToken cancellationToken) =>
        UpdateConversationAsync(userId, conversationId, new ConversationPatch(Title: title), updatedAt, cancellationToken);

    public Task<Conversation?> UpdateConversationAsync(
        string userId, string conversationId, ConversationPatch patch, DateTimeOffset updatedAt, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            // Read, change and write in one write transaction: the patch leaves what it doesn't name as it is.
            await using var transaction = SqliteWriteQueue.Transaction();
            if (await FindConversationAsync(connection, userId, conversationId, cancellationToken) is not { } current)
            {
                return null;
            }

            var updated = patch.ApplyTo(current, updatedAt);
            await using var command = Command(
                connection,
                """
                UPDATE conversations SET title = CAST($title AS TEXT), model_id = CAST($model AS TEXT),
                    instructions = CAST($instructions AS TEXT), updated_at = $updated
                WHERE user_id = $user AND id = $id
                """);
            command.Parameters.AddWithValue("$user", userId);
            command.Parameters.AddWithValue("$id", conversationId);
            AddText(command, "$title", updated.Title);
            AddText(command, "$model", updated.ModelId);
            AddText(command, "$instructions", updated.Instructions);
            command.Parameters.AddWithValue("$updated", updated.UpdatedAt.UtcTicks);
            await command.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return updated;
        }, cancellationToken);

    public Task<TurnClaim> EditUserMessageAsync(string userId, ConversationMessage question, TurnLease lease, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            await using var transaction = SqliteWriteQueue.Transaction();
            var claim = await ClaimAsync(connection, userId, question.ConversationId, lease, cancellationToken);
            if (claim != TurnClaim.Claimed)
            {
                return claim;
            }

            await using var command = Command(
                connection,
                "UPDATE messages SET content = CAST($content AS TEXT) WHERE user_id = $user AND conversation_id = $conversation AND id = $id AND role = 'user'");
            command.Parameters.AddWithValue("$user", userId);
            command.Parameters.AddWithValue("$conversation", question.ConversationId);
            command.Parameters.AddWithValue("$id", question.Id);
            AddText(command, "$content", question.Content);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                // Rolled back with the transaction: no lease is left taken.
                return TurnClaim.NotFound;
            }

            await transaction.CommitAsync(cancellationToken);
            return TurnClaim.Claimed;
        }, cancellationToken);

    public Task<ConversationMessage?> SetFeedbackAsync(
        string userId, string conversationId, string messageId, MessageFeedback? feedback, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            await using var command = Command(
                connection,
                $"""
                UPDATE messages SET feedback_rating = $rating, feedback_comment = CAST($comment AS TEXT), feedback_at = $ratedAt
                WHERE user_id = $user AND conversation_id = $conversation AND id = $id AND role = 'assistant'
                RETURNING {MessageColumns}
                """);
            command.Parameters.AddWithValue("$user", userId);
            command.Parameters.AddWithValue("$conversation", conversationId);
            command.Parameters.AddWithValue("$id", messageId);
            AddFeedback(command, feedback);
            return (await ReadMessagesAsync(command, cancellationToken)) is [var updated] ? updated : null;
        }, cancellationToken);

    public Task<UserSettings> GetUserSettingsAsync(string userId, CancellationToken cancellationToken) =>
        RunAsync(async connection =>
        {
            await using var command = Command(connection, "SELECT instructions FROM user_settings WHERE user_id = $user");
            command.Parameters.AddWithValue("$user", userId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken)
                ? new UserSettings(reader.IsDBNull(0) ? null : reader.GetString(0))
                : UserSettings.Empty;
        }, cancellationToken);

    public Task SaveUserSettingsAsync(string userId, UserSettings settings, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            await using var command = Command(
                connection,
                """
                INSERT INTO user_settings (user_id, instructions) VALUES ($user, CAST($instructions AS TEXT))
                ON CONFLICT (user_id) DO UPDATE SET instructions = excluded.instructions
                """);
            command.Parameters.AddWithValue("$user", userId);
            AddText(command, "$instructions", settings.Instructions);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Binds <c>$rating</c>, <c>$comment</c> and <c>$ratedAt</c>; all null without feedback.</summary>
    private static void AddFeedback(SqliteCommand command, MessageFeedback? feedback)
    {
        command.Parameters.AddWithValue("$rating", feedback is null ? DBNull.Value : feedback.Rating == FeedbackRating.Up ? "up" : "down");
        AddText(command, "$comment", feedback?.Comment);
        command.Parameters.AddWithValue("$ratedAt", (object?)feedback?.At.UtcTicks ?? DBNull.Value);
    }

    private static FeedbackRating ParseRating(string rating) => rating == "up" ? FeedbackRating.Up : FeedbackRating.Down;
}
