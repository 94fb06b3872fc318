package io.fedprune.coordinator.api;

import io.fedprune.coordinator.Coordinator;
import io.fedprune.coordinator.job.JobViews;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.List;

/** The fleet registry. */
@Controller("/devices")
@Tag(name = "devices")
public class DeviceController {
    private final Coordinator coordinator;

    public DeviceController(Coordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Get
    @Operation(operationId = "listDevices", summary = "Every device: budget, samples, state, last seen")
    public List<JobViews.DeviceView> list() {
        return coordinator.devices();
    }
}
