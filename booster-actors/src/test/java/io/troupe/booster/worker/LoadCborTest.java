package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A worker's load crosses nodes with its running sub-works; one from a worker without the list reads as empty. */
class LoadCborTest {
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.load());

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void theRunningListCrossesCborAndALoadWithoutItReadsAsEmpty() throws Exception {
        Serialization serialization = SerializationExtension.get(KIT.system());
        SubWorkExecutor.Load load = new SubWorkExecutor.Load("pekko://troupe@w:1", 2, 1, 0, 4, List.of("gcc"), false,
                List.of(new SubWorkExecutor.Run("b1-7#1", "gcc", "pekko://troupe@b:2", 1_700_000_000_000L)));
        Serializer serializer = serialization.findSerializerFor(load);
        String manifest = Serializers.manifestFor(serializer, load);
        byte[] bytes = serialization.serialize(load).get();
        assertEquals(load, serialization.deserialize(bytes, serializer.identifier(), manifest).get());

        ObjectMapper cbor = JacksonObjectMapperProvider.get(KIT.system()).getOrCreate("jackson-cbor", Optional.empty());
        ObjectNode tree = (ObjectNode) cbor.readTree(bytes);
        tree.remove("runs");
        SubWorkExecutor.Load old = (SubWorkExecutor.Load) serialization.deserialize(cbor.writeValueAsBytes(tree),
                serializer.identifier(), manifest).get();
        assertEquals(List.of(), old.runs());
        assertEquals(1, old.running());
    }
}
