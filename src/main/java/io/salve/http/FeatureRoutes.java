package io.salve.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.salve.core.FeatureCatalog;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/features}: the feature catalog, one feature with its class means, and its Grad-FAM map
 * ({@code /v1/features/{index}/gradfam.png}, computed on first request by {@link GradFamMaps}).
 */
final class FeatureRoutes extends AllDirectives {

    private final ServedModel model;
    private final GradFamMaps maps;
    private final BearerAuth auth;
    /** GET /v1/features: the model's name, then catalog.json. */
    private final ObjectNode features;

    FeatureRoutes(ServedModel model, GradFamMaps maps, BearerAuth auth) {
        this.model = model;
        this.maps = maps;
        this.auth = auth;
        this.features = Json.MAPPER.createObjectNode().put("model", model.name());
        features.setAll(model.catalogJson());
    }

    Route routes() {
        return pathPrefix("features", () -> concat(
                pathEnd(() -> get(() -> auth.read(() -> complete(StatusCodes.OK, features, Json.marshaller())))),
                pathPrefix(PathMatchers.segment(), index -> concat(
                        pathEnd(() -> get(() -> auth.read(() -> complete(StatusCodes.OK, feature(index(index)),
                                Json.marshaller())))),
                        path("gradfam.png", () -> get(() -> auth.read(() -> onSuccess(
                                () -> maps.png(index(index)), png -> getFromFile(png.toFile(),
                                        ContentTypes.create(MediaTypes.IMAGE_PNG))))))))));
    }

    private FeatureView feature(int l) {
        FeatureCatalog catalog = model.catalog();
        List<String> names = model.classNames();
        List<FeatureView.ClassMean> means = IntStream.range(0, names.size())
                .mapToObj(k -> new FeatureView.ClassMean(k, names.get(k), catalog.classMeans()[k][l])).toList();
        List<Integer> cross = catalog.crossClassFeatures().stream().filter(c -> c.feature() == l).findFirst()
                .map(FeatureCatalog.CrossClassFeature::classes).orElse(List.of());
        return new FeatureView(model.name(), catalog.features().get(l), means, cross,
                "/v1/features/" + l + "/gradfam.png", FeatureCatalog.SELECTION.id());
    }

    /** A feature index in the path: anything but one of the SAE's features is 404 UNKNOWN_FEATURE. */
    private int index(String segment) {
        int count = model.catalog().features().size();
        int l;
        try {
            l = Integer.parseInt(segment);
        } catch (NumberFormatException e) {
            l = -1;
        }
        if (l < 0 || l >= count) {
            throw new ApiException(StatusCodes.NOT_FOUND, "UNKNOWN_FEATURE", "unknown feature " + segment
                    + ": this model has features 0.." + (count - 1));
        }
        return l;
    }
}
