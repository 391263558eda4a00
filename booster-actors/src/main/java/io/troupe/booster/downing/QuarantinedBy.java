package io.troupe.booster.downing;

import java.util.Optional;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.remote.artery.ThisActorSystemQuarantinedEvent;

/**
 * Who quarantined this system, among the members it sees. Only a current member (same address and same
 * incarnation, as Pekko's resolver checks) can have removed it from the cluster; a quarantine by anything else
 * (a booster gone and back, a stranger) says nothing about this member's own membership.
 */
public final class QuarantinedBy {
    private QuarantinedBy() {}

    /** The member, of this incarnation, that quarantined this system; empty when it is none of them. */
    public static Optional<Member> member(Cluster cluster, ThisActorSystemQuarantinedEvent event) {
        var by = event.remoteAddress();
        for (Member member : cluster.state().getMembers()) {
            if (member.address().equals(by.address()) && member.uniqueAddress().longUid() == by.uid()) {
                return Optional.of(member);
            }
        }
        return Optional.empty();
    }
}
