package io.salve.http;

import io.salve.edits.ActiveEdit;
import io.salve.edits.EditRegistryClient;
import io.salve.edits.EditProposal;
import io.salve.edits.EditState;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.ETag;
import org.apache.pekko.http.javadsl.model.headers.EntityTag;
import org.apache.pekko.http.javadsl.model.headers.IfMatch;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.headers.EntityTagRange;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code /v1/edits}: the active edits (GET, with the registry version as ETag), apply (POST), replace with a named
 * set (PUT), revert all (DELETE), revert one ({@code DELETE /v1/edits/{id}}), the history, previews and
 * plans (both reads: they change nothing).
 *
 * <p>A change sent with {@code If-Match: "<version>"} passes that version to the registry, which refuses the change
 * with 409 VERSION_CONFLICT if it is no longer current: checked and persisted in one step, so two operators holding the
 * same ETag cannot both win.
 */
final class EditRoutes extends AllDirectives {

    /** Edit ids share the /v1/edits/ namespace with these sub-resources. */
    private static final Pattern EDIT_ID = Pattern.compile("(?!(?:history|preview|plan)$)([^/]+)");
    private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}");

    private final String model;
    private final EditRegistryClient edits;
    private final Previews previews;
    private final BearerAuth auth;
    private final RequestBodies bodies;

    EditRoutes(String model, EditRegistryClient edits, Previews previews, BearerAuth auth, RequestBodies bodies) {
        this.model = model;
        this.edits = edits;
        this.previews = previews;
        this.auth = auth;
        this.bodies = bodies;
    }

    Route routes() {
        return pathPrefix("edits", () -> concat(
                pathEnd(() -> concat(
                        get(() -> auth.read(() -> state(edits::current))),
                        post(() -> change(expected -> bodies.json(EditBody.class, body -> apply(body, expected)))),
                        put(() -> change(expected -> bodies.json(SetBody.class, body -> state(() -> edits.set(
                                body.name(), body.proposals(), body.author(), body.reason(), expected))))),
                        delete(() -> change(expected -> why((author, reason) -> state(() -> edits.revertAll(author,
                                reason, expected))))))),
                path("history", () -> get(() -> auth.read(() -> parameterOptional("limit", limit ->
                        parameterOptional("after", after -> {
                            HistoryView.Page page = HistoryView.Page.of(limit, after);
                            return onSuccess(edits::history, entries -> complete(StatusCodes.OK,
                                    page.of(model, entries), Json.marshaller()));
                        }))))),
                path("preview", () -> post(() -> auth.read(() -> bodies.json(EditBody.class, body ->
                        onSuccess(() -> previews.of(body), preview -> complete(StatusCodes.OK, preview,
                                Json.marshaller())))))),
                path("plan", () -> post(() -> auth.read(() -> bodies.json(PlanBody.class, body ->
                        onSuccess(() -> previews.plan(body), plan -> complete(StatusCodes.OK, plan,
                                Json.marshaller())))))),
                path(PathMatchers.segment(EDIT_ID), id -> delete(() -> change(expected -> why((author, reason) ->
                        state(() -> edits.revert(id, author, reason, expected))))))));
    }

    private Route apply(EditBody body, OptionalLong expected) {
        EditProposal proposal = new EditProposal(body.edit(), body.author(), body.reason());
        return onSuccess(() -> edits.apply(proposal, expected), s -> {
            ActiveEdit added = s.active().stream().filter(a -> a.version() == s.version()).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the registry's version " + s.version()
                            + " names no active edit"));
            return complete(StatusCodes.CREATED, List.of(etag(s)), new Applied(added.id(), s.version(),
                    StateView.of(model, s)), Json.marshaller());
        });
    }

    /** The state a read or change leaves, with its version as ETag. */
    private Route state(Supplier<CompletionStage<EditState>> change) {
        return onSuccess(change, s -> complete(StatusCodes.OK, List.of(etag(s)), StateView.of(model, s),
                Json.marshaller()));
    }

    /** The registry version as an entity tag: what If-Match takes back. */
    private static HttpHeader etag(EditState s) {
        return ETag.create(EntityTag.create(Long.toString(s.version()), false));
    }

    /** An authorised change, with the version its If-Match expects (none without If-Match or with {@code *}). */
    private Route change(Function<OptionalLong, Route> inner) {
        return auth.change(() -> optionalHeaderValueByType(IfMatch.class, ifMatch -> ifMatch.isPresent()
                ? inner.apply(expected(ifMatch.get()))
                // Pekko keeps an If-Match that is no entity tag as a raw header.
                : optionalHeaderValueByName("If-Match", raw -> {
                    if (raw.isPresent()) {
                        throw notAVersion(raw.get());
                    }
                    return inner.apply(OptionalLong.empty());
                })));
    }

    private static OptionalLong expected(IfMatch ifMatch) {
        if (!(ifMatch.m() instanceof EntityTagRange.Default range)) {
            return OptionalLong.empty();
        }
        List<? extends EntityTag> tags = CollectionConverters.asJava(range.tags());
        if (tags.size() != 1 || !VERSION.matcher(tags.get(0).tag()).matches()) {
            throw notAVersion(ifMatch.value());
        }
        return OptionalLong.of(Long.parseLong(tags.get(0).tag()));
    }

    private static ApiException notAVersion(String ifMatch) {
        return new ApiException("BAD_REQUEST", "If-Match must be one edit version as GET /v1/edits returns it in "
                + "its ETag, e.g. \"7\"; got " + ifMatch);
    }

    /** A change without a body: who and why come as {@code ?author=...&reason=...}. */
    private Route why(BiFunction<String, String, Route> change) {
        return parameterOptional("author", author -> parameterOptional("reason", reason ->
                change.apply(author.orElse(""), reason.orElse(""))));
    }
}
