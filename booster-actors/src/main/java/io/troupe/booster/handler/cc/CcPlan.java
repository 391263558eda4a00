package io.troupe.booster.handler.cc;

import java.util.List;

/**
 * What the cc handler does with one compiler command line: run it locally (and why), or preprocess it locally
 * and compile the preprocessed unit remotely. Built by {@link CcArgs#classify}; pure data.
 *
 * @param localReason why the command runs locally, or null when it goes remote
 * @param driver the compiler driver named by the command
 * @param preprocessArgs the local preprocess argv after the program, ending in {@code -E}; the handler adds
 *                       {@code -o <unit>}
 * @param workDir the absolute client directory the remote sandbox stands for (result files are relative to it)
 * @param remoteInput where the preprocessed unit goes in the sandbox (relative to {@code workDir})
 * @param remoteParams the remote argv after the program: compile flags, {@code -c}/{@code -S}, {@code -o},
 *                     {@code -x cpp-output|c++-cpp-output} and {@code remoteInput}
 * @param resultFiles the files the remote compile produces, relative to {@code workDir}: the object first
 * @param source the input file as the command names it (one element of {@code preprocessArgs})
 */
public record CcPlan(
        String localReason,
        CompilerNames.Driver driver,
        List<String> preprocessArgs,
        String workDir,
        String remoteInput,
        List<String> remoteParams,
        List<String> resultFiles,
        String source) {

    public CcPlan {
        preprocessArgs = preprocessArgs == null ? List.of() : List.copyOf(preprocessArgs);
        remoteParams = remoteParams == null ? List.of() : List.copyOf(remoteParams);
        resultFiles = resultFiles == null ? List.of() : List.copyOf(resultFiles);
    }

    /** A command that runs locally for {@code reason}. */
    public static CcPlan local(CompilerNames.Driver driver, String reason) {
        return new CcPlan(reason, driver, List.of(), null, null, List.of(), List.of(), null);
    }

    /** Whether the compile goes to a worker. */
    public boolean remote() {
        return localReason == null;
    }
}
