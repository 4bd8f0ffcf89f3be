#include "lk_sim.h"

#include <string.h>

static struct lk_sim *sim_of(void *ctx)
{
    return (struct lk_sim *)ctx;
}

/* xorshift32: tiny, deterministic, good enough for a simulator. */
uint32_t lk_sim_xorshift32(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

static uint32_t next_rand(struct lk_sim *s)
{
    return lk_sim_xorshift32(&s->rng);
}

static uint32_t sim_now(void *ctx)
{
    struct lk_sim *s = sim_of(ctx);

    s->now += s->cfg.clock_autostep;
    return s->now;
}

static int in_region(const struct lk_sim *s, uint32_t off, uint32_t len)
{
    return off <= s->cfg.storage_size && len <= s->cfg.storage_size - off;
}

static int sim_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    struct lk_sim *s = sim_of(ctx);

    if (buf == NULL || !in_region(s, off, len)) {
        s->violations++;
        return LK_ERR_INVAL;
    }
    memcpy(buf, &s->storage[off], len);
    s->n_read++;
    return LK_OK;
}

/* Called at the start of every write that passed its checks: either
 * counts it towards the armed cut, or performs the cut (never returns). */
static void cut_point(struct lk_sim *s, uint32_t off, const uint8_t *src, uint32_t len,
                      int is_erase)
{
    uint32_t k;
    uint32_t i;

    if (!s->cut_armed) {
        return;
    }
    if (s->cut_after > 0u) {
        s->cut_after--;
        return;
    }
    s->cut_armed = 0;
    s->n_cuts++;
    if (s->cut_torn) {
        if (is_erase) {
            memset(&s->storage[off], s->cfg.erase_value, len / 2u);
            for (i = len / 2u; i < len; i++) {
                s->storage[off + i] = (uint8_t)(next_rand(s) >> 24);
            }
        } else {
            k = (len > 1u) ? next_rand(s) % len : 0u;
            memcpy(&s->storage[off], src, k);
        }
    }
    longjmp(*s->cut_jmp, 1);
}

void lk_sim_arm_cut(struct lk_sim *sim, uint32_t after, int torn, jmp_buf *where)
{
    sim->cut_jmp = where;
    sim->cut_after = after;
    sim->cut_torn = torn;
    sim->cut_armed = 1;
}

void lk_sim_disarm_cut(struct lk_sim *sim)
{
    sim->cut_armed = 0;
}

uint32_t lk_sim_writes(const struct lk_sim *sim)
{
    return sim->n_prog + sim->n_erase;
}

static int sim_prog(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
    struct lk_sim *s = sim_of(ctx);
    const uint8_t *src = buf;
    uint32_t i;

    if (buf == NULL || !in_region(s, off, len) || off % s->cfg.prog_size != 0u ||
        len % s->cfg.prog_size != 0u) {
        s->violations++;
        return LK_ERR_INVAL;
    }
    for (i = 0; i < len; i++) {
        if (s->storage[off + i] != s->cfg.erase_value) {
            s->violations++;
            return LK_ERR_INVAL;
        }
    }
    if (s->fail_storage == 1) {
        return LK_ERR_IO;
    }
    cut_point(s, off, src, len, 0);
    memcpy(&s->storage[off], src, len);
    if (s->fail_storage == 2) {
        return LK_ERR_IO; /* written, yet reported as failed */
    }
    s->n_prog++;
    return LK_OK;
}

static int sim_erase(void *ctx, uint32_t off)
{
    struct lk_sim *s = sim_of(ctx);

    if (off % s->cfg.erase_size != 0u || !in_region(s, off, s->cfg.erase_size)) {
        s->violations++;
        return LK_ERR_INVAL;
    }
    if (s->fail_storage == 1) {
        return LK_ERR_IO;
    }
    cut_point(s, off, NULL, s->cfg.erase_size, 1);
    memset(&s->storage[off], s->cfg.erase_value, s->cfg.erase_size);
    s->unit_erases[off / s->cfg.erase_size]++;
    s->n_erase++;
    return LK_OK;
}

static int is_drive(int cmd)
{
    return cmd == LK_MOTOR_EXTEND || cmd == LK_MOTOR_RETRACT;
}

static int sim_motor(void *ctx, int cmd)
{
    struct lk_sim *s = sim_of(ctx);

    if (cmd < LK_MOTOR_COAST || cmd > LK_MOTOR_BRAKE) {
        s->violations++;
        return LK_ERR_INVAL;
    }
    if (s->fail_motor) {
        return LK_ERR_IO;
    }
    /* The contract: never reverse without stopping first, and the bridge
     * needs LK_SIM_MIN_REVERSE_MS stopped before driving the other way. */
    if (is_drive(cmd) && is_drive(s->motor_cmd) && cmd != s->motor_cmd) {
        s->violations++;
    }
    if (is_drive(cmd) && s->last_drive != 0 && cmd != s->last_drive &&
        s->now - s->t_stopped < LK_SIM_MIN_REVERSE_MS) {
        s->violations++;
    }
    if (is_drive(cmd)) {
        s->last_drive = cmd;
    } else if (is_drive(s->motor_cmd)) {
        s->t_stopped = s->now;
    }
    if (cmd != s->motor_cmd) {
        s->motor_run_ms = 0;
    }
    s->motor_cmd = cmd;
    s->n_motor_cmds++;
    return LK_OK;
}

static uint32_t scale_by_supply(const struct lk_sim *s, uint32_t at_6v)
{
    return (uint32_t)(((uint64_t)at_6v * s->cfg.supply_mv) / 6000u);
}

/* Motor current now, mA. */
static uint32_t motor_ma_now(const struct lk_sim *s)
{
    if (!is_drive(s->motor_cmd)) {
        return 0;
    }
    if (s->motor_run_ms < s->cfg.inrush_ms) {
        return 2u * s->cfg.run_ma;
    }
    if (s->stalled) {
        /* with the power model on, ~ the node voltage under the stall load */
        return s->pw.enabled ? lk_sim_pw_stall_ma(s, s->cfg.stall_ma)
                             : scale_by_supply(s, s->cfg.stall_ma);
    }
    return s->cfg.run_ma;
}

static int sim_current(void *ctx, uint32_t *ma)
{
    struct lk_sim *s = sim_of(ctx);

    if (ma == NULL) {
        s->violations++;
        return LK_ERR_INVAL;
    }
    *ma = motor_ma_now(s);
    return LK_OK;
}

int lk_sim_bolt_level(const struct lk_sim *s)
{
    if (s->bolt_force >= 0) {
        return s->bolt_force;
    }
    if (s->bolt_ppm >= LK_SIM_TRAVEL_FULL - LK_SIM_SWITCH_BAND) {
        return LK_BOLT_EXTENDED;
    }
    if (s->bolt_ppm <= LK_SIM_SWITCH_BAND) {
        return LK_BOLT_RETRACTED;
    }
    return LK_BOLT_BETWEEN;
}

static int sim_sensor(void *ctx, int sensor, uint8_t *level)
{
    struct lk_sim *s = sim_of(ctx);

    if (level == NULL || sensor < 0 || sensor >= LK_SENSOR_COUNT_) {
        s->violations++;
        return LK_ERR_INVAL;
    }
    if (s->fail_sensor) {
        return LK_ERR_IO;
    }
    if (sensor == LK_SENSOR_BOLT) {
        *level = (uint8_t)lk_sim_bolt_level(s);
        return LK_OK;
    }
    if ((s->cfg.sensors_fitted & (1u << sensor)) == 0u) {
        return LK_ERR_NOTSUP;
    }
    *level = s->levels[sensor];
    return LK_OK;
}

static int sim_power(void *ctx, int source, struct lk_power_sample *out)
{
    struct lk_sim *s = sim_of(ctx);
    uint32_t ma = 0;

    if (out == NULL || source < 0 || source >= LK_PSRC_COUNT_) {
        s->violations++;
        return LK_ERR_INVAL;
    }
    out->mv = 0;
    out->ma = 0;
    if (s->pw.enabled) {
        (void)lk_sim_pw_read(s, source, out);
    } else if (source == LK_PSRC_MAIN) {
        (void)sim_current(ctx, &ma);
        out->mv = s->cfg.supply_mv;
        out->ma = (int32_t)ma;
    }
    switch (s->pw.fault[source]) {
    case LK_SIM_PWF_MV_HIGH:
        out->mv = 60001u;
        break;
    case LK_SIM_PWF_MA_NEG:
        out->ma = -1;
        break;
    case LK_SIM_PWF_ERROR:
        return LK_ERR_IO;
    case LK_SIM_PWF_POSITIVE:
        return 1;
    default:
        break;
    }
    return LK_OK;
}

static int sim_device_key(void *ctx, uint8_t key[32])
{
    struct lk_sim *s = sim_of(ctx);

    if (key == NULL) {
        s->violations++;
        return LK_ERR_INVAL;
    }
    memcpy(key, s->device_key, sizeof s->device_key);
    return LK_OK;
}

void lk_sim_set_device_key(struct lk_sim *sim, const uint8_t key[32])
{
    if (key == NULL) {
        sim->port.device_key = NULL;
        return;
    }
    memcpy(sim->device_key, key, sizeof sim->device_key);
    sim->port.device_key = sim_device_key;
}

static int sim_entropy(void *ctx, void *buf, size_t len)
{
    struct lk_sim *s = sim_of(ctx);
    uint8_t *p = buf;
    size_t i;

    if (buf == NULL) {
        s->violations++;
        return LK_ERR_INVAL;
    }
    for (i = 0; i < len; i++) {
        p[i] = (uint8_t)(next_rand(s) >> 24);
    }
    return LK_OK;
}

static int sim_indicate(void *ctx, int what, uint8_t percent)
{
    struct lk_sim *s = sim_of(ctx);

    if (what < 0 || what >= LK_IND_COUNT_ || percent > 100u) {
        s->violations++;
        return LK_ERR_INVAL;
    }
    s->last_indication = what;
    s->n_indications++;
    if (what >= 0 && what < LK_IND_COUNT_) {
        s->ind_count[what]++;
    }
    return LK_OK;
}

void lk_sim_default_config(struct lk_sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 1;
    c->storage_size = 16u * 1024u;
    c->erase_size = 4096;
    c->prog_size = 1;
    c->erase_value = 0xFF;
    c->supply_mv = 6000;
    c->stroke_ms_6v = 600;
    c->run_ma = 600;
    c->stall_ma = 2400;
    c->inrush_ms = 30;
    c->bolt_start_ppm = LK_SIM_TRAVEL_FULL;
    c->current_sense = 1;
}

void lk_sim_config_geometry(struct lk_sim_config *c, uint32_t size, uint32_t erase,
                            uint32_t prog, uint8_t erased)
{
    c->storage_size = size;
    c->erase_size = erase;
    c->prog_size = prog;
    c->erase_value = erased;
}

int lk_sim_init(struct lk_sim *sim, const struct lk_sim_config *cfg)
{
    struct lk_sim_config def;

    if (sim == NULL) {
        return LK_ERR_INVAL;
    }
    if (cfg == NULL) {
        lk_sim_default_config(&def);
        cfg = &def;
    }
    if (cfg->storage_size > LK_SIM_STORAGE_MAX || cfg->stroke_ms_6v == 0u ||
        cfg->erase_size == 0u || cfg->prog_size == 0u || cfg->supply_mv > 60000u ||
        cfg->bolt_start_ppm < 0 || cfg->bolt_start_ppm > LK_SIM_TRAVEL_FULL) {
        return LK_ERR_INVAL;
    }
    memset(sim, 0, sizeof *sim);
    sim->cfg = *cfg;
    sim->now = cfg->start_ms;
    sim->rng = cfg->seed ^ 0x9E3779B9u;
    if (sim->rng == 0u) {
        sim->rng = 0x9E3779B9u;
    }
    memset(sim->storage, cfg->erase_value, sizeof sim->storage);
    sim->motor_cmd = LK_MOTOR_COAST;
    sim->bolt_ppm = cfg->bolt_start_ppm;
    sim->bolt_force = -1;
    sim->last_indication = -1;
    sim->last_inputs = -1;

    sim->port.abi_version = LK_PORT_ABI_VERSION;
    sim->port.ctx = sim;
    sim->port.now_ms = sim_now;
    sim->port.storage_size = cfg->storage_size;
    sim->port.erase_size = cfg->erase_size;
    sim->port.prog_size = cfg->prog_size;
    sim->port.erase_value = cfg->erase_value;
    sim->port.storage_read = sim_read;
    sim->port.storage_prog = sim_prog;
    sim->port.storage_erase = sim_erase;
    sim->port.storage_sync = NULL;
    sim->port.motor_drive = sim_motor;
    sim->port.motor_current_ma = cfg->current_sense ? sim_current : NULL;
    sim->port.sensors_fitted = cfg->sensors_fitted;
    sim->port.sensor_read = sim_sensor;
    sim->port.power_read = sim_power;
    sim->port.source_select = NULL;
    sim->port.load_enable = NULL;
    sim->port.entropy = sim_entropy;
    sim->port.indicate = sim_indicate;
    return LK_OK;
}

/* One millisecond of bolt physics (and of the power model, when on). */
static void physics_1ms(struct lk_sim *s)
{
    int32_t speed;
    int32_t pos = s->bolt_ppm;
    int32_t stop;
    int dir;
    uint32_t mv = s->cfg.supply_mv;
    uint32_t min_mv = 3600u;

    s->motor_run_ms++;
    if (s->pw.enabled) {
        /* the motor runs from the node: its energy leaves the node, and it
         * sees the node voltage less the ESR drop of its running current */
        lk_sim_pw_step(s, motor_ma_now(s));
        mv = lk_sim_pw_motor_mv(s, (s->motor_run_ms < s->cfg.inrush_ms) ? 2u * s->cfg.run_ma
                                                                          : s->cfg.run_ma);
        min_mv = s->pw.cfg.motor_min_mv;
    }
    if (!is_drive(s->motor_cmd)) {
        s->stalled = 0;
        return;
    }
    if (mv < min_mv) {
        s->stalled = 1; /* too weak to turn: draws stall current */
        return;
    }
    /* stroke time ~ 1/V, so speed ~ V */
    speed = (int32_t)(((uint64_t)LK_SIM_TRAVEL_FULL * mv) /
                      ((uint64_t)s->cfg.stroke_ms_6v * 6000u));
    dir = (s->motor_cmd == LK_MOTOR_EXTEND) ? 1 : -1;
    stop = (dir > 0) ? LK_SIM_TRAVEL_FULL : 0;
    if (s->jam_dir == s->motor_cmd &&
        ((dir > 0 && pos <= s->jam_ppm) || (dir < 0 && pos >= s->jam_ppm))) {
        stop = s->jam_ppm;
    }
    pos += dir * speed;
    if ((dir > 0 && pos >= stop) || (dir < 0 && pos <= stop)) {
        pos = stop;
        s->stalled = 1;
    } else {
        s->stalled = 0;
    }
    s->bolt_ppm = pos;
}

void lk_sim_step(struct lk_sim *sim, uint32_t ms)
{
    uint32_t i;

    for (i = 0; i < ms; i++) {
        sim->now++;
        physics_1ms(sim);
    }
}

static int do_poll(struct lk_sim *sim, struct lk_lock *lk)
{
    uint32_t next = 0;
    int rc = lk_poll(lk, &next);

    sim->n_polls++;
    if (rc < 0) {
        return rc;
    }
    sim->have_deadline = (rc == LK_POLL_DEADLINE);
    sim->deadline = next;
    return LK_OK;
}

/* All input levels folded into one number: a change is an "interrupt". */
static uint32_t input_signature(const struct lk_sim *sim)
{
    uint32_t sig = (uint32_t)lk_sim_bolt_level(sim) & 0xFu;
    int s;

    for (s = 1; s < LK_SENSOR_COUNT_; s++) {
        sig |= (uint32_t)(sim->levels[s] & 1u) << (3 + s);
    }
    if (sim->pw.enabled) {
        /* a power input appearing or disappearing */
        sig |= lk_sim_pw_presence(sim) << 16;
    }
    return sig;
}

int lk_sim_set_sensor(struct lk_sim *sim, int sensor, uint8_t level)
{
    if (sensor <= LK_SENSOR_BOLT || sensor >= LK_SENSOR_COUNT_ || level > 1u) {
        return LK_ERR_INVAL;
    }
    sim->levels[sensor] = level;
    return LK_OK;
}

int lk_sim_run(struct lk_sim *sim, struct lk_lock *lk, uint32_t ms)
{
    uint32_t i;
    int rc;

    sim->last_inputs = (int)input_signature(sim);
    rc = do_poll(sim, lk);
    for (i = 0; i < ms && rc == LK_OK; i++) {
        int level;

        if (!is_drive(sim->motor_cmd) && !sim->pw.enabled) {
            /* Nothing moves while the motor is off: jump to the next
             * deadline (or the end) instead of stepping each millisecond
             * (the power model, when on, needs every millisecond). */
            uint32_t skip = ms - i - 1u;

            if (sim->have_deadline) {
                uint32_t until = sim->deadline - sim->now;

                if ((int32_t)until <= 0) {
                    skip = 0;
                } else if (until - 1u < skip) {
                    skip = until - 1u;
                }
            }
            sim->now += skip;
            sim->motor_run_ms += skip;
            i += skip;
        }
        lk_sim_step(sim, 1);
        level = (int)input_signature(sim);
        if (level != sim->last_inputs ||
            (sim->have_deadline && (int32_t)(sim->now - sim->deadline) >= 0)) {
            sim->last_inputs = level;
            rc = do_poll(sim, lk);
        }
    }
    return rc;
}

int lk_sim_jam(struct lk_sim *sim, int dir, int32_t at_ppm)
{
    if ((dir != LK_MOTOR_EXTEND && dir != LK_MOTOR_RETRACT) || at_ppm < 0 ||
        at_ppm > LK_SIM_TRAVEL_FULL) {
        return LK_ERR_INVAL;
    }
    sim->jam_dir = dir;
    sim->jam_ppm = at_ppm;
    return LK_OK;
}

void lk_sim_clear_jam(struct lk_sim *sim)
{
    sim->jam_dir = 0;
}

int lk_sim_set_supply(struct lk_sim *sim, uint32_t mv)
{
    if (mv > 60000u) {
        return LK_ERR_INVAL;
    }
    sim->cfg.supply_mv = mv;
    if (sim->pw.enabled) {
        return lk_sim_set_main(sim, mv, sim->pw.cfg.main_mohm);
    }
    return LK_OK;
}

void lk_sim_move_bolt(struct lk_sim *sim, int32_t ppm)
{
    if (ppm < 0) {
        ppm = 0;
    }
    if (ppm > LK_SIM_TRAVEL_FULL) {
        ppm = LK_SIM_TRAVEL_FULL;
    }
    sim->bolt_ppm = ppm;
}
