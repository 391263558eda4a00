package io.troupe.booster.downing;

import com.typesafe.config.Config;
import java.time.Duration;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.DowningProvider;
import scala.concurrent.duration.FiniteDuration;

/**
 * Troupe's downing provider ({@code pekko.cluster.downing-provider-class}), on every member, nodes and boosters
 * alike (Pekko refuses a member whose provider differs): keep-majority over the members with the counting role
 * ({@code pekko.cluster.split-brain-resolver.keep-majority.role}, {@code node}), as Pekko's split-brain resolver
 * does, except that boosters neither count nor observe: see {@link NodeMajority}. It reads the resolver's own
 * {@code stable-after}, {@code down-all-when-unstable} and {@code keep-majority.role}, and
 * {@code troupe.cluster.down-unreachable-boosters-after}.
 */
public final class NodeMajorityDowningProvider extends DowningProvider {

    /** The settings it decides with; {@code downAllWhenUnstable} null: never down all. */
    record Settings(String role, Duration stableAfter, Duration downAllWhenUnstable, Duration boosterGrace) {

        static final String SBR = "pekko.cluster.split-brain-resolver.";
        static final String BOOSTER_GRACE = "troupe.cluster.down-unreachable-boosters-after";

        static Settings of(Config config) {
            String strategy = config.getString(SBR + "active-strategy");
            if (!"keep-majority".equals(strategy)) {
                throw new IllegalArgumentException(SBR + "active-strategy = " + strategy + ": Troupe's downing ("
                        + NodeMajorityDowningProvider.class.getName() + ") implements keep-majority only");
            }
            Duration stableAfter = config.getDuration(SBR + "stable-after");
            String unstable = config.getString(SBR + "down-all-when-unstable");
            Duration downAll = switch (unstable) {
                case "off" -> null;
                // the resolver's own default: 3/4 of stable-after, at least 4 s
                case "on" -> Duration.ofMillis(Math.max(4000, stableAfter.toMillis() * 3 / 4));
                default -> config.getDuration(SBR + "down-all-when-unstable");
            };
            Duration grace = config.hasPath(BOOSTER_GRACE) ? config.getDuration(BOOSTER_GRACE) : Duration.ofSeconds(5);
            String role = config.getString(SBR + "keep-majority.role");
            if (role.isBlank()) {
                throw new IllegalArgumentException(SBR + "keep-majority.role is empty: Troupe's downing counts the"
                        + " members with one role (node)");
            }
            return new Settings(role, stableAfter, downAll, grace);
        }
    }

    private final Settings settings;
    private final FiniteDuration downRemovalMargin;

    /** Pekko makes it with the classic actor system, at cluster start. */
    public NodeMajorityDowningProvider(ActorSystem system) {
        Config config = system.settings().config();
        this.settings = Settings.of(config);
        // as the resolver: singletons and shards of a downed side move over after stable-after unless set
        String margin = config.getString("pekko.cluster.down-removal-margin");
        Duration removal = "off".equals(margin) ? settings.stableAfter() : config.getDuration("pekko.cluster.down-removal-margin");
        this.downRemovalMargin = FiniteDuration.fromNanos(removal.toNanos());
    }

    @Override
    public FiniteDuration downRemovalMargin() {
        return downRemovalMargin;
    }

    @Override
    public scala.Option<Props> downingActorProps() {
        return scala.Option.apply(Adapter.props(() -> NodeMajorityDowning.create(settings)));
    }
}
