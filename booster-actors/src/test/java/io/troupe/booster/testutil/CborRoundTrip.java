package io.troupe.booster.testutil;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;

/** A message's CBOR form across versions, as a node receives it (tests of messages that gained fields). */
public final class CborRoundTrip {
    private CborRoundTrip() {}

    /**
     * Asserts that {@code message} comes back equal through {@code system}'s serializer, then decodes its bytes
     * with {@code edit} applied to the CBOR tree (the fields an older sender lacks removed).
     */
    public static Object roundTripAndDecodeWithout(ActorSystem<?> system, Object message, Consumer<ObjectNode> edit)
            throws Exception {
        Serialization serialization = SerializationExtension.get(system);
        Serializer serializer = serialization.findSerializerFor(message);
        String manifest = Serializers.manifestFor(serializer, message);
        byte[] bytes = serialization.serialize(message).get();
        assertEquals(message, serialization.deserialize(bytes, serializer.identifier(), manifest).get());
        ObjectMapper cbor = JacksonObjectMapperProvider.get(system).getOrCreate("jackson-cbor", Optional.empty());
        ObjectNode tree = (ObjectNode) cbor.readTree(bytes);
        edit.accept(tree);
        return serialization.deserialize(cbor.writeValueAsBytes(tree), serializer.identifier(), manifest).get();
    }
}
